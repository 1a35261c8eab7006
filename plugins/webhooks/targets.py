"""Where a webhook may be sent: public addresses only, unless an admin allows more.

A webhook URL names a host; the host is resolved and every address it resolves to must
be public (``ipaddress``'s ``is_global``, not multicast): loopback, private, link-local
(cloud metadata at 169.254.169.254 included), shared (100.64.0.0/10), reserved and
unspecified addresses are refused, in IPv4, IPv6 and IPv4-mapped IPv6 alike, so spelling
an address differently (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``, a DNS name
pointing inward) changes nothing.

The plugin setting ``allow`` (``FORMFLOW_PLUGIN_WEBHOOKS_ALLOW``) lists the exceptions an
internal deployment needs, comma-separated: host names (``erp.corp.local``, or
``*.corp.local`` for every name under it) and addresses or networks (``10.1.2.3``,
``10.0.0.0/8``, ``fd00::/8``).

The check runs when an endpoint is saved and again before every delivery, which then
connects to the very address it checked (see :mod:`.delivery`): a name that resolves to a
public address when checked and to an inner one a moment later (DNS rebinding) cannot
redirect the request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    def parse(cls, allow: str | None) -> TargetPolicy:
        """The policy of an ``allow`` setting; ValueError naming a bad entry."""
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
                raise ValueError(f"FORMFLOW_PLUGIN_WEBHOOKS_ALLOW: {entry!r} is neither a host "
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
                    "(allow it with FORMFLOW_PLUGIN_WEBHOOKS_ALLOW)"
                )
        return addresses[0]
