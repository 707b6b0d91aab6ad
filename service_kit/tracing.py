"""OpenTelemetry for both services: a tracer provider built from the standard OTEL_* variables,
or none at all.

When tracing is not configured nothing is built: no provider, no exporter thread, and the
apps install no instrumentation, so a request runs exactly the code it ran before.
Tracing is on when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`, or any other
installed one), or when an OTLP endpoint is set (the exporter then defaults to `otlp`, as the
specification says). Unlike the specification's default, nothing set means off: a service
started without a collector should not post spans to a port where nothing listens.
`OTEL_SDK_DISABLED=true` turns it off whatever else is set.

Everything else is the SDK's own reading of the environment: the sampler
(`OTEL_TRACES_SAMPLER`, `_ARG`), the resource (`OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`), the OTLP endpoint, headers and timeout, the batch processor's
limits, and the propagators (`OTEL_PROPAGATORS`, read by `opentelemetry.propagate`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import entry_points

from opentelemetry import context, propagate, trace
from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SDK_DISABLED,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from structlog.types import EventDict, WrappedLogger

# `otlp` is OTLP over HTTP with protobuf (the one OTLP exporter installed; 4318 is its port).
_EXPORTER_ALIASES = {"otlp": "otlp_proto_http"}


def _exporter_names() -> list[str]:
    environ = os.environ
    if environ.get(OTEL_SDK_DISABLED, "").strip().lower() == "true":
        return []
    names = environ.get(OTEL_TRACES_EXPORTER, "").strip()
    if not names and (
        environ.get(OTEL_EXPORTER_OTLP_ENDPOINT) or environ.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    ):
        names = "otlp"
    return [name.strip() for name in names.split(",") if name.strip() and name.strip() != "none"]


def _exporter(name: str) -> SpanExporter:
    """The exporter an entry point of `opentelemetry_traces_exporter` names (the SDK's own
    plugin registry: `console` is the SDK's, `otlp_proto_http` the OTLP package's)."""
    protocol = os.environ.get(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) or os.environ.get(
        OTEL_EXPORTER_OTLP_PROTOCOL
    )
    if name == "otlp" and protocol not in (None, "", "http/protobuf"):
        raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: only http/protobuf is installed")
    found = entry_points(group="opentelemetry_traces_exporter", name=_EXPORTER_ALIASES.get(name, name))
    for entry in found:
        exporter: SpanExporter = entry.load()()
        return exporter
    raise ValueError(f"OTEL_TRACES_EXPORTER: no installed trace exporter is called {name!r}")


def tracer_provider_from_env(*, service_name: str) -> TracerProvider | None:
    """The process's tracer provider as the OTEL_* variables describe it, or None when tracing
    is off. `service_name` is used unless OTEL_SERVICE_NAME (or the resource attributes) names one.

    An unknown exporter name raises at start-up rather than tracing nothing in silence.
    """
    names = _exporter_names()
    if not names:
        return None
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: service_name}))
    provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
    for name in names:
        # Batched, on the SDK's own thread: a request never waits for an export.
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    return provider


def add_trace_ids(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """structlog processor: the active span's ids beside the request id (W3C hex forms)."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event["trace_id"] = format(span_context.trace_id, "032x")
        event["span_id"] = format(span_context.span_id, "016x")
    return event


def current_trace_context() -> dict[str, str] | None:
    """The active span's context in the configured propagators' headers (`traceparent`, ...),
    to store with an outbox event; None when no span is active (tracing off)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextmanager
def resumed(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Run the block in the trace context `carrier` holds, so that the spans it starts (the
    publish of an event) belong to the request that caused them, however much later."""
    if not carrier:
        yield
        return
    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def unsampled() -> Iterator[None]:
    """Run the block under a parent span that is not sampled.

    For background polls (the relay claims events every second): traced, each would be a
    trace of its own in the data service too. The parent-based samplers (the default) drop
    the spans under a parent that is not sampled, and the data service learns it from the
    flag of the `traceparent` it receives. A block that resumes a sampled context inside
    (the publish of an event) is traced as usual.
    """
    ids = RandomIdGenerator()
    parent = NonRecordingSpan(
        SpanContext(
            trace_id=ids.generate_trace_id(),
            span_id=ids.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(TraceFlags.DEFAULT),
        )
    )
    with trace.use_span(parent, end_on_exit=False):
        yield
