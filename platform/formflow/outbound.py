"""Outbound HTTP calls (webhooks, automations): where they may go and how they are sent.

Public addresses only, unless an admin allows more. A URL names a host; the host is
resolved and every address it resolves to must be public (``ipaddress``'s ``is_global``,
not multicast): loopback, private, link-local (cloud metadata at 169.254.169.254
included), shared (100.64.0.0/10), reserved and unspecified addresses are refused, in
IPv4, IPv6 and IPv4-mapped IPv6 alike, so spelling an address differently
(``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``, a DNS name pointing inward) changes
nothing.

An ``allow`` setting (``FORMFLOW_PLUGIN_WEBHOOKS_ALLOW`` for the webhooks plugin,
``FORMFLOW_AUTOMATIONS_WEBHOOK_ALLOW`` for automations) lists the exceptions an internal
deployment needs, comma-separated: host names (``erp.corp.local``, or
``*.corp.local`` for every name under it) and addresses or networks (``10.1.2.3``,
``10.0.0.0/8``, ``fd00::/8``).

The check runs when a URL is saved and again before every post, which then connects to
the very address it checked (:func:`post`): a name that resolves to a public address when
checked and to an inner one a moment later (DNS rebinding) cannot redirect the request.
Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ERROR = 500
#: How much of an answer's body is read (and dropped) before the connection closes.
MAX_ANSWER = 64 * 1024


class TargetRefused(Exception):
    """The URL's host may not be sent to; the message says why (in English, for the
    delivery log)."""


def lookup(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (replaced in tests, which never use real DNS
    for names)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [info[4][0] for info in found]


@dataclass(frozen=True)
class TargetPolicy:
    hosts: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()  # "*.corp.local" as ".corp.local"
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, allow: str | None, setting: str = "FORMFLOW_PLUGIN_WEBHOOKS_ALLOW"
              ) -> TargetPolicy:
        """The policy of an ``allow`` setting (named ``setting`` in errors); ValueError
        naming a bad entry."""
        hosts, domains, networks = set(), [], []
        for entry in (allow or "").split(","):
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            name = entry[2:] if entry.startswith("*.") else entry
            labels = name.rstrip(".").split(".")
            if not name or not all(label and len(label) <= 63 and all(
                    c.isalnum() or c == "-" for c in label) for label in labels):
                raise ValueError(f"{setting}: {entry!r} is neither a host "
                                 "name, an address nor a network")
            if entry.startswith("*."):
                domains.append("." + name.rstrip("."))
            else:
                hosts.add(name.rstrip("."))
        return cls(frozenset(hosts), tuple(domains), tuple(networks))

    def _host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(host.endswith(d) for d in self.domains)

    def _address_allowed(self, address: Address) -> bool:
        if any(address in network for network in self.networks):
            return True
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            return self._address_allowed(mapped)
        return address.is_global and not address.is_multicast

    def check(self, host: str, port: int) -> str:
        """The address to connect to for ``host``: every address it resolves to is
        allowed, or :class:`TargetRefused`."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = lookup(host, port)
            except (OSError, UnicodeError) as error:
                raise TargetRefused(f"{host} does not resolve") from error
        if not addresses:
            raise TargetRefused(f"{host} does not resolve")
        if self._host_allowed(host):
            return addresses[0]
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not self._address_allowed(address):
                raise TargetRefused(
                    f"{host} resolves to {address}, which is not a public address "
                    "(an administrator may allow it)"
                )
        return addresses[0]


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float,
         policy: TargetPolicy) -> tuple[int | None, str | None]:
    """POST ``body`` to the address the URL's host resolves to, once ``policy`` allows
    it; (HTTP status, None) on a 2xx answer, else (status or None, why)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = policy.check(parts.hostname or "", port)
    except TargetRefused as refused:
        return None, f"refused: {refused}"[:MAX_ERROR]
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    connection = connection_class(parts.hostname, port, timeout=timeout)
    # Connect to the checked address; the host name still goes in Host and, for https,
    # in SNI and the certificate check.
    connection._create_connection = (  # noqa: SLF001 - http.client's own seam
        lambda _address, *args: socket.create_connection((address, port), *args))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_ANSWER)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:MAX_ERROR]
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, None
    # redirects are not followed: the receiver's URL should be the final one
    return response.status, f"HTTP {response.status} {response.reason}"[:MAX_ERROR]
