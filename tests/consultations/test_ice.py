import base64
import hashlib
import hmac

import pytest

from consultations.ice import ice_servers_for, turn_credentials

NOW = 1_764_000_000  # a fixed unix time


def test_turn_credentials_follow_the_turn_rest_convention():
    # Computed here by hand, the way coturn checks it: HMAC-SHA1 of the username
    # keyed with the shared secret, base64-encoded.
    username = f"{NOW + 3600}:42"
    expected = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()

    creds = turn_credentials(user_id=42, secret="s3cret", ttl=3600, now=NOW)

    assert creds == {"username": username, "credential": expected}


def test_turn_credentials_known_value():
    # A fixed vector (echo -n "1764003600:42" | openssl dgst -sha1 -hmac s3cret -binary | base64).
    creds = turn_credentials(user_id=42, secret="s3cret", ttl=3600, now=NOW)

    assert creds["username"] == "1764003600:42"
    assert creds["credential"] == "rTsGSZMv8jHOAwGlfcaWthCzVC0="


def test_turn_credentials_expiry_moves_with_the_clock_and_ttl():
    first = turn_credentials(user_id=7, secret="x", ttl=60, now=NOW)
    later = turn_credentials(user_id=7, secret="x", ttl=120, now=NOW + 10)

    assert first["username"] == f"{NOW + 60}:7"
    assert later["username"] == f"{NOW + 130}:7"
    assert first["credential"] != later["credential"]


@pytest.fixture
def servers(settings):
    settings.WEBRTC_ICE_SERVERS = [
        {"urls": "stun:turn.example.com:3478"},
        {"urls": ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"]},
        {"urls": "turn:other.example.com", "username": "fixed", "credential": "given"},
    ]
    settings.TURN_CREDENTIAL_TTL = 600
    return settings


def test_ice_servers_mint_credentials_for_turn_entries(servers, django_user_model):
    servers.TURN_SHARED_SECRET = "shared"
    user = django_user_model(pk=9)

    result = ice_servers_for(user, now=NOW)

    assert result[0] == {"urls": "stun:turn.example.com:3478"}
    assert result[1]["urls"] == servers.WEBRTC_ICE_SERVERS[1]["urls"]
    assert result[1]["username"] == f"{NOW + 600}:9"
    assert (
        result[1]["credential"]
        == turn_credentials(user_id=9, secret="shared", ttl=600, now=NOW)["credential"]
    )
    assert result[2] == servers.WEBRTC_ICE_SERVERS[2]
    assert "username" not in servers.WEBRTC_ICE_SERVERS[1]  # the setting itself is never changed


def test_ice_servers_leave_out_turn_without_a_secret(servers, django_user_model):
    servers.TURN_SHARED_SECRET = ""

    result = ice_servers_for(django_user_model(pk=9), now=NOW)

    assert [entry["urls"] for entry in result] == ["stun:turn.example.com:3478", "turn:other.example.com"]


def test_ice_servers_empty_by_default(settings, django_user_model):
    assert settings.WEBRTC_ICE_SERVERS == []
    assert ice_servers_for(django_user_model(pk=1)) == []
