"""The SegmentFlow API from Python: `SegmentFlow` (sync) and `AsyncSegmentFlow` on httpx,
typed models generated from openapi.json (`segmentflow_sdk.models`), one SegmentFlowError."""

from __future__ import annotations

from . import _models as models
from ._client import AsyncSegmentFlow, SegmentFlow
from ._core import __version__
from ._errors import SegmentFlowError
from ._pagination import AsyncPage, AsyncPager, Page

__all__ = [
    "AsyncPage",
    "AsyncPager",
    "AsyncSegmentFlow",
    "Page",
    "SegmentFlow",
    "SegmentFlowError",
    "__version__",
    "models",
]
