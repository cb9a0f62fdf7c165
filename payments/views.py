"""Payment pages: pay for a held slot, the checkout callback, the receipt, the
appointment page's payments fragment, the doctor's earnings, the webhook, and
the offline gateway's checkout page."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import doctor_required, patient_required
from appointments.models import Appointment
from payments import selectors, services
from payments.gateway import FakeGateway

# Razorpay's Standard Checkout: the one external script, on the payment page only.
RAZORPAY_CSP = {
    "script-src": ["https://checkout.razorpay.com"],
    "frame-src": ["https://api.razorpay.com", "https://checkout.razorpay.com"],
    "connect-src": ["https://api.razorpay.com", "https://lumberjack.razorpay.com"],
    "img-src": ["https://cdn.razorpay.com"],
}


class CallbackForm(forms.Form):
    razorpay_order_id = forms.CharField(max_length=64)
    razorpay_payment_id = forms.CharField(max_length=64)
    razorpay_signature = forms.CharField(max_length=128)


def _appointment_to_pay(request, pk):
    appointment = selectors.appointment_to_pay(request.user, pk)
    if appointment is None:
        raise Http404("No such appointment")
    return appointment


def _payment_of_patient(request, pk):
    payment = selectors.payment_of_patient(request.user, pk)
    if payment is None:
        raise Http404("No such payment")
    return payment


@patient_required
def pay(request, pk):
    """The payment page: summary, refund policy, hold countdown, and the pay
    button (Razorpay's checkout, or the offline one). GET makes the order once;
    when the gateway does not answer, the page says so and offers a retry."""
    appointment = _appointment_to_pay(request, pk)
    now = timezone.now()
    if appointment.status_at(now) != Appointment.Status.PENDING_PAYMENT:
        if appointment.payment_state == Appointment.PaymentState.UNPAID:
            messages.info(request, "This booking is no longer waiting for payment.")
        return redirect("appointments:detail", pk=appointment.pk)
    payment = error = None
    try:
        payment = services.payment_start(appointment=appointment, now=now)
    except services.PaymentError as failure:
        error = str(failure)
    real = settings.PAYMENT_GATEWAY == "razorpay"
    context = {
        "appointment": appointment,
        "payment": payment,
        "error": error,
        "seconds_left": max(int((appointment.hold_expires_at - now).total_seconds()), 0),
        "razorpay": real,
        "key_id": settings.RAZORPAY_KEY_ID,
    }
    response = render(request, "payments/pay.html", context, status=503 if error else 200)
    if real and payment is not None:
        # django-csp: widen the policy for this response only.
        response._csp_update = RAZORPAY_CSP
    return response


@patient_required
@require_POST
def callback(request, pk):
    """Razorpay's checkout success handler posts here (our checkout.js, or the fake page)."""
    payment = _payment_of_patient(request, pk)
    form = CallbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The payment answer was incomplete. Please try again.")
        return redirect("payments:pay", pk=payment.appointment_id)
    try:
        outcome = services.payment_callback(
            payment=payment,
            order_id=form.cleaned_data["razorpay_order_id"],
            payment_id=form.cleaned_data["razorpay_payment_id"],
            signature=form.cleaned_data["razorpay_signature"],
        )
    except services.PaymentError as error:
        messages.error(request, str(error))
        return redirect("payments:pay", pk=payment.appointment_id)
    # The outcome may be "no change" when the webhook got there first, and it may
    # have refunded (slot taken, start passed): what the patient is told comes
    # from the appointment as it stands now.
    if outcome.startswith("refunded") or not selectors.payment_confirmed_its_appointment(payment):
        messages.warning(
            request, "Your payment arrived too late for this slot, so we are refunding it in full."
        )
    else:
        # The booking's confirmation links to My Records' share page (by URL name: it stands above payments).
        messages.success(
            request,
            format_html(
                'Payment received. Your appointment is confirmed; we have emailed you the details. <a href="{}">Share your reports with the doctor</a>.',
                reverse("records:share", args=[payment.appointment_id]),
            ),
        )
    return redirect("appointments:detail", pk=payment.appointment_id)


@patient_required
def receipt(request, pk):
    payment = _payment_of_patient(request, pk)
    if payment.status != payment.Status.CAPTURED:
        raise Http404("No receipt for an unpaid order")
    return render(request, "payments/receipt.html", {"payment": payment, "refunds": payment.refunds.all()})


@login_required
def appointment_payments(request, pk):
    """The appointment page's payments part (HTMX), or the same as a page."""
    appointment = selectors.appointment_with_payments(request.user, pk)
    if appointment is None:
        raise Http404("No such appointment")
    context = {
        "appointment": appointment,
        "payments": list(appointment.payments.all()),
        "is_doctor": appointment.doctor.user_id == request.user.pk,
    }
    template = (
        "payments/partials/appointment_payments.html"
        if request.htmx
        else "payments/appointment_payments.html"
    )
    return render(request, template, context)


@doctor_required
def earnings(request):
    doctor = getattr(request.user, "doctor_profile", None)
    if doctor is None:
        raise Http404("No doctor profile")
    return render(request, "payments/earnings.html", {"months": selectors.doctor_earnings(doctor)})


@csrf_exempt  # the only one in the project: Razorpay signs the body instead
@require_POST
def webhook(request):
    status = services.webhook_receive(
        body=request.body,
        signature=request.headers.get("X-Razorpay-Signature"),
        event_id=request.headers.get("X-Razorpay-Event-Id"),
    )
    return HttpResponse(status=status)


# --- The offline gateway ----------------------------------------------------------------


@patient_required
def fake_checkout(request, pk):
    """Razorpay's checkout, played locally: Pay, Fail or Close."""
    if settings.PAYMENT_GATEWAY != "fake":
        raise Http404("The offline gateway is off")
    payment = _payment_of_patient(request, pk)
    if request.method != "POST":
        return render(request, "payments/fake_checkout.html", {"payment": payment})
    action = request.POST.get("action")
    if action == "pay":
        fields = FakeGateway().pay(
            order_id=payment.order_id, amount=payment.amount, currency=payment.currency, succeed=True
        )
        # As Razorpay's handler does: the signed answer goes to our callback.
        return render(
            request,
            "payments/fake_checkout_done.html",
            {
                "payment": payment,
                "fields": fields,
                "callback": reverse("payments:callback", args=[payment.pk]),
            },
        )
    if action == "fail":
        FakeGateway().pay(
            order_id=payment.order_id, amount=payment.amount, currency=payment.currency, succeed=False
        )
        messages.error(request, "The payment failed. Your slot is still held: you can try again.")
    else:
        messages.info(request, "Payment cancelled. Your slot is still held: you can try again.")
    return redirect("payments:pay", pk=payment.appointment_id)


urlpatterns = [
    path("payments/appointments/<int:pk>/pay/", pay, name="pay"),
    path("payments/appointments/<int:pk>/", appointment_payments, name="appointment_payments"),
    path("payments/<int:pk>/callback/", callback, name="callback"),
    path("payments/<int:pk>/receipt/", receipt, name="receipt"),
    path("payments/<int:pk>/fake-checkout/", fake_checkout, name="fake_checkout"),
    path("payments/razorpay/webhook/", webhook, name="webhook"),
    path("doctor/earnings/", earnings, name="earnings"),
]
