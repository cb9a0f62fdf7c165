// Razorpay Standard Checkout on the payment page. The button carries the order
// (made on our server); Razorpay's success handler hands back the three signed
// fields, which this posts to our callback for verification. Dismissing or a
// failed attempt leaves the patient on this page with the button to retry.
(function () {
  "use strict";
  var button = document.getElementById("razorpay-pay");
  var form = document.getElementById("razorpay-callback");
  if (!button || !form) {
    return;
  }
  button.addEventListener("click", function () {
    if (typeof window.Razorpay !== "function") {
      button.textContent = "The payment window could not load. Please reload the page.";
      return;
    }
    var data = button.dataset;
    var checkout = new window.Razorpay({
      key: data.key,
      order_id: data.order,
      amount: data.amount,
      currency: data.currency,
      name: data.name,
      description: data.description,
      prefill: { name: data.prefillName, email: data.email },
      handler: function (response) {
        form.elements.razorpay_order_id.value = response.razorpay_order_id;
        form.elements.razorpay_payment_id.value = response.razorpay_payment_id;
        form.elements.razorpay_signature.value = response.razorpay_signature;
        button.disabled = true;
        form.submit();
      },
      modal: {
        ondismiss: function () {
          button.disabled = false;
        },
      },
    });
    checkout.on("payment.failed", function () {
      button.disabled = false;
    });
    button.disabled = true;
    checkout.open();
  });
})();
