"""The one async model client every surface shares."""

from codepal.client.http import ChatDelta, ModelClient, TextChunk
from codepal.client.reasoning import ThinkSplitter

__all__ = ["ChatDelta", "ModelClient", "TextChunk", "ThinkSplitter"]
