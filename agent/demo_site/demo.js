// Behaviour of the demo pages. State goes through sessionStorage, never the URL, so nothing typed
// (a password included) ever shows up in an address a trajectory would record.
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }

  var signup = byId("signup");
  if (signup) {
    byId("terms-link").addEventListener("click", function (event) {
      event.preventDefault();
      byId("terms-modal").style.display = "block";
    });
    byId("terms-close").addEventListener("click", function () {
      byId("terms-modal").style.display = "none";
    });
    signup.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = byId("name").value.trim();
      var email = byId("email").value.trim();
      var plan = byId("plan").value;
      var missing = [];
      if (!name) missing.push("full name");
      if (email.indexOf("@") < 1) missing.push("a valid email");
      if (!plan) missing.push("a plan");
      if (!byId("agree").checked) missing.push("agreeing to the terms");
      if (missing.length) {
        byId("error").textContent = "Please give " + missing.join(", ") + ".";
        return;
      }
      sessionStorage.setItem("account", JSON.stringify({ name: name, email: email, plan: plan }));
      window.location.href = "welcome.html";
    });
  }

  var summary = byId("summary");
  if (summary) {
    var account = JSON.parse(sessionStorage.getItem("account") || "{}");
    summary.textContent = "Welcome, " + (account.name || "stranger") + "! Plan: " + (account.plan || "none") +
      ". A confirmation was sent to " + (account.email || "nobody") + ".";
  }

  var payForm = byId("pay-form");
  if (payForm) {
    payForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!byId("holder").value.trim() || !byId("password").value) {
        byId("error").textContent = "Please give the card holder and your password.";
        return;
      }
      window.demoPayment = { holder: byId("holder").value, passwordLength: byId("password").value.length };
      payForm.hidden = true;
      byId("paid").hidden = false;
    });
  }
})();
