/* The dashboard's small enhancements. Every page works without them: the payout picker is then
 * a text input. The new-report form's column picker has its own script (column_picker.js). */
(function () {
  "use strict";

  // Elements marked .js-only (the column picker's tools, the metadata box) show only when scripts run.
  document.documentElement.classList.add("js");

  // Payout picker: a search result fills the payout input with its id.
  function pick(choice) {
    var field = choice.closest(".payout-picker");
    if (!field) return;
    var input = field.querySelector("input[name=payout]");
    input.value = choice.dataset.payoutPick;
    var results = field.querySelector(".payout-results");
    results.textContent = "";
    var note = document.createElement("p");
    note.className = "muted";
    note.textContent = "Chosen: " + input.value;
    results.appendChild(note);
    input.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var choice = target.closest("[data-payout-pick]");
    if (choice) return pick(choice);
  });

  // The run form is sent once at a time: a second submit (double click, Enter) while the first is on
  // its way is dropped, and the buttons show it. Listening in the capture phase runs before htmx's
  // own handler on the form. The form's one-time token covers whatever gets past (a second tab).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
      if (form.dataset.sending) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      form.dataset.sending = "yes";
      // After this event: a disabled submitter would not be sent.
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]:enabled").forEach(function (b) {
          b.disabled = true;
          b.dataset.sending = "yes";
        });
      });
    },
    true
  );
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once") || !form.isConnected) return;
    delete form.dataset.sending; // an answer that swapped nothing in (busy, rate limit): it may be sent again
    form.querySelectorAll("button[data-sending]").forEach(function (b) {
      b.disabled = false;
      delete b.dataset.sending;
    });
  });

  // A period preset copies its days (computed by the server) into the dates; typing a date makes it custom.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement) || !target.form) return;
    var period = target.form.querySelector("select[data-period]");
    if (!period) return;
    if (target === period) {
      var option = period.selectedOptions[0];
      if (!option || !option.dataset.start) return;
      target.form.querySelector("[name=start_date]").value = option.dataset.start;
      target.form.querySelector("[name=end_date]").value = option.dataset.end;
    } else if (target.name === "start_date" || target.name === "end_date") {
      period.value = "custom";
    }
  });

  // The error summary: focused when it appears, so the page moves to it wherever the user was
  // (a long form's button is far below it); its links focus the field they name.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    // Once per summary: other swaps on the page (the payout search) must not pull the focus back.
    if (!summary || summary.dataset.focused) return;
    summary.dataset.focused = "yes";
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }
  document.addEventListener("DOMContentLoaded", focusErrorSummary);
  document.addEventListener("htmx:afterSettle", focusErrorSummary);
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("#error-summary a[href^='#']") : null;
    var field = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });

  // htmx does not swap error answers: say so when the service asks to retry (a busy database
  // answers 503, a rate limit 429), instead of a click that seems to do nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var note = document.querySelector("[data-busy-note]");
    if (!note || (status !== 503 && status !== 429)) return;
    // The words are the page's (templates/base.html), in the user's language.
    var wait = event.detail.xhr.getResponseHeader("Retry-After");
    note.textContent = wait ? note.dataset.seconds.replace("%(seconds)s", wait) : note.dataset.later;
    note.hidden = false;
  });
})();
