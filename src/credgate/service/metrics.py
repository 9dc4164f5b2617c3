"""Prometheus metrics, rendered in the text exposition format. No labels carry values or
paths below the mount (so no secret-bearing or high-cardinality label can appear)."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str], int] = defaultdict(int)
        self._durations: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self._duration_sum: dict[str, float] = defaultdict(float)
        self._audit_failures = 0

    def observe(self, action: str, result: str, seconds: float) -> None:
        with self._lock:
            self._requests[(action, result)] += 1
            counts = self._durations[action]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self._duration_sum[action] += seconds

    def audit_failure(self) -> None:
        with self._lock:
            self._audit_failures += 1

    def render(self) -> str:
        lines = [
            "# HELP credgate_requests_total Requests handled by the broker pipeline.",
            "# TYPE credgate_requests_total counter",
        ]
        with self._lock:
            for (action, result), n in sorted(self._requests.items()):
                lines.append(f'credgate_requests_total{{action="{action}",result="{result}"}} {n}')
            lines += [
                "# HELP credgate_request_duration_seconds Time spent in the broker pipeline.",
                "# TYPE credgate_request_duration_seconds histogram",
            ]
            for action, counts in sorted(self._durations.items()):
                name = "credgate_request_duration_seconds"
                label = f'action="{action}"'
                for bound, n in zip(BUCKETS, counts, strict=False):
                    lines.append(f'{name}_bucket{{{label},le="{bound}"}} {n}')
                lines.append(f'{name}_bucket{{{label},le="+Inf"}} {counts[-1]}')
                lines.append(f"{name}_sum{{{label}}} {self._duration_sum[action]:.6f}")
                lines.append(f"{name}_count{{{label}}} {counts[-1]}")
            lines += [
                "# HELP credgate_audit_failures_total Requests refused because no audit sink "
                "accepted the event.",
                "# TYPE credgate_audit_failures_total counter",
                f"credgate_audit_failures_total {self._audit_failures}",
            ]
        return "\n".join(lines) + "\n"
