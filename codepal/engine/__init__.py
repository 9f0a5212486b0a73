"""The model server: start vLLM as a child (or attach to a URL), track its state, let others find it."""

from codepal.engine.health import EngineHealth, EngineState, HealthPolicy
from codepal.engine.link import EngineLink
from codepal.engine.process import Engine
from codepal.engine.state import EngineInfo

__all__ = ["Engine", "EngineHealth", "EngineInfo", "EngineLink", "EngineState", "HealthPolicy"]
