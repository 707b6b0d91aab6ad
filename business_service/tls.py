"""TLS of the internal hop: how the business service verifies the data service, and what
certificate it presents to it (when the data service asks for one, mutual TLS)."""

from __future__ import annotations

import ssl

from business_service.settings import BusinessSettings


class TlsConfigurationError(RuntimeError):
    """A certificate file that cannot be used; raised at start-up, naming the setting."""


def data_ssl_context(settings: BusinessSettings) -> ssl.SSLContext | None:
    """The context for an https DATA_SERVICE_URL; None: the system's CAs and no client
    certificate (httpx's defaults). Verification is never turned off."""
    if not (settings.data_ca_file or settings.data_client_cert_file):
        return None
    try:
        context = ssl.create_default_context(cafile=settings.data_ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigurationError(f"DATA_CA_FILE={settings.data_ca_file!r} cannot be used: {exc}") from exc
    if settings.data_client_cert_file:
        try:
            context.load_cert_chain(settings.data_client_cert_file, settings.data_client_key_file)
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigurationError(
                f"DATA_CLIENT_CERT_FILE={settings.data_client_cert_file!r} "
                f"(key {settings.data_client_key_file!r}) cannot be used: {exc}"
            ) from exc
    return context


def is_tls_failure(exc: BaseException) -> bool:
    """Whether a transport error came from TLS (an untrusted certificate, a refused handshake)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
