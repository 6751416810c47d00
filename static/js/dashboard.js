// Small progressive enhancements for the dashboard; every page works without them.
"use strict";

document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const field = document.querySelector(copy.dataset.copy);
    if (field) {
      field.select();
      const done = () => { copy.textContent = "Copied"; setTimeout(() => { copy.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    }
  }
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) dismiss.parentElement.remove();
  const checkAll = event.target.closest("[data-check-all]");
  if (checkAll) {
    const form = checkAll.closest("form");
    const boxes = form.querySelectorAll(`input[type=checkbox][name="${checkAll.dataset.checkAll}"]`);
    const allChecked = Array.from(boxes).every((box) => box.checked);
    boxes.forEach((box) => { box.checked = !allChecked; });
  }
});

// No inline handlers (the Content-Security-Policy forbids them): behaviour by data attribute.
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-submit-on-change]");
  if (select) select.form.requestSubmit();
});

// Server errors on htmx requests must not fail silently.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("messages");
  if (!box) return;
  const note = document.createElement("div");
  note.className = "message message-error";
  note.setAttribute("role", "alert");
  note.textContent = `The request failed (HTTP ${event.detail.xhr.status}). Please retry.`;
  box.appendChild(note);
});
