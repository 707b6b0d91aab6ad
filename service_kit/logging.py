"""structlog for both services: JSON lines in production, readable lines in development."""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

from service_kit.tracing import add_trace_ids

LogFormat = Literal["json", "console"]


def configure_logging(*, level: str = "INFO", fmt: LogFormat = "console", trace_ids: bool = False) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy) through one renderer.

    `trace_ids` (when tracing is on) adds the active span's `trace_id` and `span_id` to
    every line; when it is off the processor is not even in the chain.
    """
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        # filter_by_level first: a line under LOG_LEVEL (the access log at WARNING) costs nothing.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Here rather than in the chain above, which loggers cache on first use: the
            # handler runs in the logging call, so the span it reads is the caller's.
            *([add_trace_ids] if trace_ids else []),
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates our one line per request, and httpx's one line per
    # call to the data service (the relay polls it every second) drowns everything else;
    # failures of those calls are logged by the gateway, with the operation's name.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))
