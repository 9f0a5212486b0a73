"""The one async model client every surface shares."""

from codepal.client.http import ChatDelta, ModelClient, TextChunk

__all__ = ["ChatDelta", "ModelClient", "TextChunk"]
