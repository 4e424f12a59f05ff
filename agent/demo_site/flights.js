// The demo airline: search (two cities and a date from a calendar), a results list, a passenger
// form and a confirmation. Everything is made up and local; state goes through sessionStorage.
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }
  var CITIES = ["Amsterdam", "Berlin", "Lisbon", "London", "Madrid", "Paris", "Rome", "Vienna"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"];
  var AIRLINES = ["Demo Air", "Blue Wing", "Sky Hop", "Night Owl"];

  function city(text) {
    var wanted = text.trim().toLowerCase();
    return CITIES.filter(function (c) { return c.toLowerCase() === wanted; })[0] || null;
  }
  function dateText(d) { return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear(); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Flights depend only on the route and the day, so a search gives the same list every time.
  function flightsFor(from, to, day) {
    var seed = (from + to + day).split("").reduce(function (a, c) { return (a * 31 + c.charCodeAt(0)) % 100003; }, 7);
    return AIRLINES.map(function (airline, i) {
      var depart = 6 * 60 + ((seed * (i + 3)) % 14) * 60 + (i * 25) % 60;
      var minutes = 95 + (seed * (i + 1)) % 120;
      var arrive = depart + minutes;
      return {
        id: "f" + i, airline: airline, price: 59 + (seed * (i + 7)) % 240,
        depart: pad(Math.floor(depart / 60) % 24) + ":" + pad(depart % 60),
        arrive: pad(Math.floor(arrive / 60) % 24) + ":" + pad(arrive % 60),
        duration: Math.floor(minutes / 60) + "h " + pad(minutes % 60) + "m"
      };
    });
  }

  var search = byId("search");
  if (search) {
    var today = new Date();
    var first = new Date(today.getFullYear(), today.getMonth(), 1);  // no flights in the past
    var shown = first;
    var chosen = null;
    function drawCalendar() {
      byId("cal-title").textContent = MONTHS[shown.getMonth()] + " " + shown.getFullYear();
      byId("cal-prev").disabled = shown <= first;
      var days = byId("cal-days");
      days.innerHTML = "";
      var count = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
      var offset = (new Date(shown.getFullYear(), shown.getMonth(), 1).getDay() + 6) % 7;
      ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].forEach(function (name) {
        var head = document.createElement("span");
        head.className = "weekday";
        head.textContent = name;
        days.appendChild(head);
      });
      for (var blank = 0; blank < offset; blank++) days.appendChild(document.createElement("span"));
      for (var d = 1; d <= count; d++) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "day";
        button.textContent = d;
        button.dataset.day = d;
        button.addEventListener("click", function (event) {
          var day = +event.target.dataset.day;
          chosen = new Date(shown.getFullYear(), shown.getMonth(), day);
          byId("date").value = dateText(chosen);
          byId("calendar").hidden = true;
        });
        days.appendChild(button);
      }
    }
    byId("date").addEventListener("click", function () {
      byId("calendar").hidden = false;
      drawCalendar();
    });
    byId("cal-prev").addEventListener("click", function () {
      shown = new Date(shown.getFullYear(), shown.getMonth() - 1, 1); drawCalendar();
    });
    byId("cal-next").addEventListener("click", function () {
      shown = new Date(shown.getFullYear(), shown.getMonth() + 1, 1); drawCalendar();
    });
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      var from = city(byId("from").value), to = city(byId("to").value);
      var problems = [];
      if (!from) problems.push("a departure city we fly from (" + CITIES.join(", ") + ")");
      if (!to) problems.push("a destination city");
      if (from && to && from === to) problems.push("two different cities");
      if (!chosen) problems.push("a departure date");
      byId("error").textContent = problems.length ? "Please give " + problems.join(", ") + "." : "";
      if (problems.length) return;
      var day = dateText(chosen);
      byId("results").hidden = false;
      byId("results-title").textContent = from + " to " + to + ", " + day;
      var list = byId("flight-list");
      list.innerHTML = "";
      flightsFor(from, to, day).forEach(function (f) {
        var row = document.createElement("div");
        row.className = "flight";
        row.id = f.id;
        row.innerHTML = "<b>" + f.airline + "</b> <span class='times'>" + f.depart + " → " + f.arrive +
          "</span> <span class='muted'>" + f.duration + "</span> <span class='price'>€" + f.price + "</span> ";
        var select = document.createElement("button");
        select.type = "button";
        select.className = "secondary select";
        select.textContent = "Select";
        select.addEventListener("click", function () {
          sessionStorage.setItem("flight", JSON.stringify({from: from, to: to, day: day, flight: f}));
          window.location.href = "passenger.html";
        });
        row.appendChild(select);
        list.appendChild(row);
      });
    });
  }

  var chosenFlight = JSON.parse(sessionStorage.getItem("flight") || "null");
  var passenger = byId("passenger");
  if (passenger) {
    byId("chosen").textContent = chosenFlight
      ? chosenFlight.flight.airline + ", " + chosenFlight.from + " → " + chosenFlight.to + ", " + chosenFlight.day +
        ", " + chosenFlight.flight.depart + ", €" + chosenFlight.flight.price
      : "No flight chosen yet.";
    passenger.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = byId("passenger-name").value.trim(), email = byId("passenger-email").value.trim();
      var problems = [];
      if (!chosenFlight) problems.push("a flight (search again)");
      if (!name) problems.push("the passenger's full name");
      if (email.indexOf("@") < 1) problems.push("a valid email");
      byId("error").textContent = problems.length ? "Please give " + problems.join(", ") + "." : "";
      if (problems.length) return;
      var reference = "DA" + (chosenFlight.flight.price * 7919 % 900000 + 100000);
      sessionStorage.setItem("booking", JSON.stringify({reference: reference, name: name, email: email,
                                                         trip: chosenFlight}));
      window.location.href = "booked.html";
    });
  }

  var booking = byId("booking");
  if (booking) {
    var b = JSON.parse(sessionStorage.getItem("booking") || "null");
    window.demoBooking = b;
    booking.textContent = b
      ? "Reference " + b.reference + ": " + b.name + " flies " + b.trip.flight.airline + " from " + b.trip.from +
        " to " + b.trip.to + " on " + b.trip.day + " at " + b.trip.flight.depart + " (€" + b.trip.flight.price +
        "). A confirmation was sent to " + b.email + "."
      : "No booking yet.";
  }
})();
