// Brand Kit editor: keep each color picker and its hex field in sync, add and remove social link
// rows, and say where an uploaded logo went. Without it the hex fields and a spare row still work.
"use strict";

(() => {
  const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  const fullHex = (value) => (value.length === 4 ? `#${[...value.slice(1)].map((c) => c + c).join("")}` : value).toLowerCase();

  // Capture phase: the hex field is updated before htmx reads the form for the live sample.
  document.addEventListener("input", (event) => {
    const target = event.target;
    if (target.matches("input[type=color][data-color-for]")) {
      const field = document.getElementById(target.dataset.colorFor);
      if (field) field.value = target.value;
    } else if (target.matches(".hex-input")) {
      const picker = document.querySelector(`input[data-color-for="${target.id}"]`);
      const value = target.value.trim();
      if (picker && HEX.test(value)) picker.value = fullHex(value);
    }
  }, true);

  let added = 0;
  function showRowButtons(root) {
    root.querySelectorAll("[data-remove-social], [data-add-social]").forEach((button) => { button.hidden = false; });
  }

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-social]");
    if (add) {
      const rows = add.closest("fieldset").querySelector("[data-social-rows]");
      const last = rows.querySelector("[data-social-row]:last-of-type");
      const row = last.cloneNode(true);
      added += 1;
      row.classList.remove("has-errors");
      row.querySelectorAll(".field-error").forEach((error) => error.remove());
      row.querySelectorAll("input").forEach((input) => {
        const id = `kit-social-new-${added}-${input.name.endsWith("network") ? "network" : "url"}`;
        row.querySelector(`label[for="${input.id}"]`).htmlFor = id;
        input.id = id;
        input.value = "";
      });
      rows.appendChild(row);
      row.querySelector("input").focus();
      return;
    }
    const remove = event.target.closest("[data-remove-social]");
    if (remove) {
      const row = remove.closest("[data-social-row]");
      const rows = row.parentElement;
      if (rows.querySelectorAll("[data-social-row]").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      }
      // The live sample listens for input events on the form.
      rows.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  // assets.js announces each upload that became a ready Asset; the logo pickers reload
  // themselves (hx-trigger="asset-ready from:body"), so the library card is not shown here.
  document.addEventListener("asset-ready", (event) => {
    const status = document.getElementById("kit-upload-status");
    if (!status) return;
    event.preventDefault();
    status.textContent = `${event.detail.filename} was uploaded: choose it in the logo choices above.`;
  });

  showRowButtons(document);
  document.addEventListener("htmx:afterSwap", (event) => showRowButtons(event.detail.target));
})();
