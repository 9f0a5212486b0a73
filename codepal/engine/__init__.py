"""The model server: start vLLM as a child (or attach to a URL), track its state, let others find it."""

from codepal.engine.link import EngineLink
from codepal.engine.process import Engine
from codepal.engine.state import EngineInfo, EngineState

__all__ = ["Engine", "EngineInfo", "EngineLink", "EngineState"]
