"""Events that accounts announces to the floors above it.

`user_registered(user)` is sent after the sign-up transaction commits; profiles
creates the doctor's or patient's profile from it.
"""

from django.dispatch import Signal

user_registered = Signal()
