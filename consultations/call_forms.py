"""What a browser may post as signalling: checked field by field, never stored as sent.

The payload is the browser's RTCSessionDescription (offer, answer) or a list of
RTCIceCandidate objects. Only the fields WebRTC needs are kept, with bounded
sizes, so a participant cannot park arbitrary data in the other's poll.
"""

import json
import re

from django import forms

from consultations.models import CallSignal

MAX_PAYLOAD_CHARS = 64_000
MAX_SDP_CHARS = 60_000
MAX_CANDIDATES = 50
# Offers come from the patient's browser (it joins last), answers from the doctor's.
SENDER_OF = {CallSignal.Kind.OFFER: "patient", CallSignal.Kind.ANSWER: "doctor"}
# What PostgreSQL's jsonb cannot store (a NUL, an unpaired UTF-16 half), which
# json.loads makes out of "\u0000" or "\ud800": refused here, not a 500 at the insert.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _text(value, limit, *, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or len(value) > limit or _UNSTORABLE.search(value):
        raise forms.ValidationError("Malformed signalling data.")
    return value


def _candidate(item):
    if not isinstance(item, dict):
        raise forms.ValidationError("Malformed ICE candidate.")
    index = item.get("sdpMLineIndex")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 64):
        raise forms.ValidationError("Malformed ICE candidate.")
    return {
        "candidate": _text(item.get("candidate"), 1_000),
        "sdpMid": _text(item.get("sdpMid"), 64, allow_none=True),
        "sdpMLineIndex": index,
        "usernameFragment": _text(item.get("usernameFragment"), 256, allow_none=True),
    }


class SignalForm(forms.Form):
    kind = forms.ChoiceField(choices=CallSignal.Kind.choices)
    payload = forms.CharField(max_length=MAX_PAYLOAD_CHARS, strip=False)

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role

    def clean(self):
        data = super().clean()
        kind, raw = data.get("kind"), data.get("payload")
        if kind is None or raw is None:
            return data
        if SENDER_OF.get(kind, self.role) != self.role:
            raise forms.ValidationError(f"The {self.role} does not send an {kind}.")
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("Malformed signalling data.") from None
        if kind == CallSignal.Kind.CANDIDATES:
            if not isinstance(value, list) or not 0 < len(value) <= MAX_CANDIDATES:
                raise forms.ValidationError("Malformed ICE candidates.")
            data["payload"] = [_candidate(item) for item in value]
        else:
            if not isinstance(value, dict) or value.get("type") != kind:
                raise forms.ValidationError("Malformed session description.")
            data["payload"] = {"type": kind, "sdp": _text(value.get("sdp"), MAX_SDP_CHARS)}
        return data
