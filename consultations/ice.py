"""ICE servers for a video call, with per-call TURN credentials.

The browsers talk directly (WebRTC); MedConsult only tells them which STUN and
TURN servers to try. `WEBRTC_ICE_SERVERS` (settings, JSON from the environment)
is empty by default, which is enough when both browsers can reach each other
(one network, or the browser tests on 127.0.0.1). In production it lists a
STUN server and a TURN server (coturn with `use-auth-secret`, docs/video.md).

A TURN server relays media, so it must not be open to the world: coturn and the
app share `TURN_SHARED_SECRET`, and the app hands each participant of a call a
credential that the server can check without a database and that stops working
at its expiry (the "TURN REST API" convention, draft-uberti-behave-turn-rest):

    username   = "<expiry as unix time>:<user id>"
    credential = base64(HMAC-SHA1(key=shared secret, message=username))
"""

import base64
import hashlib
import hmac
import time

from django.conf import settings


def turn_credentials(*, user_id, secret: str, ttl: int, now: float | None = None) -> dict:
    """The username and password one user presents to the TURN server, valid
    for `ttl` seconds from `now` (the clock by default)."""
    expiry = int(now if now is not None else time.time()) + int(ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode("ascii")}


def _is_turn(urls) -> bool:
    urls = [urls] if isinstance(urls, str) else urls
    return any(url.startswith(("turn:", "turns:")) for url in urls)


def ice_servers_for(user, *, now: float | None = None) -> list[dict]:
    """The `iceServers` list for one user's RTCPeerConnection.

    Each TURN entry of WEBRTC_ICE_SERVERS that names no username of its own
    gets this user's fresh credential when TURN_SHARED_SECRET is set; without
    a secret such an entry is left out (a TURN server refuses anonymous use, and
    a doomed entry only slows the connection down). STUN entries pass as they are.
    """
    secret = settings.TURN_SHARED_SECRET
    servers = []
    for entry in settings.WEBRTC_ICE_SERVERS:
        entry = dict(entry)
        if _is_turn(entry["urls"]) and "username" not in entry:
            if not secret:
                continue
            entry.update(
                turn_credentials(user_id=user.pk, secret=secret, ttl=settings.TURN_CREDENTIAL_TTL, now=now)
            )
        servers.append(entry)
    return servers
