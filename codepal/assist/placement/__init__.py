"""Placement by structure: an answer's candidates mapped onto the target's definitions and import block."""

from codepal.assist.placement.candidate import Candidate, candidates_of
from codepal.assist.placement.choose import Choice, choose
from codepal.assist.placement.place import Placed, place

__all__ = ["Candidate", "Choice", "Placed", "candidates_of", "choose", "place"]
