"""Guards on text crossing credgate: the output filter (credentials leaving) and the input
inspector (prompt injection coming in).

The output filter's public surface is re-exported here; see docs/concepts/output-filter.md.
"""

from credgate.guard.findings import Finding
from credgate.guard.output_filter import MODES, Mode, OutputFilter
from credgate.guard.stream import StreamMasker

__all__ = ["MODES", "Finding", "Mode", "OutputFilter", "StreamMasker"]

# The input inspector (docs/concepts/input-inspector.md).
from credgate.guard.inspector import (
    DEFAULT_THRESHOLD,
    Inspection,
    Reason,
    inspect_text,
)

__all__ += ["DEFAULT_THRESHOLD", "Inspection", "Reason", "inspect_text"]
