// The template editor: line numbers and Tab in the source boxes, and the preview's width and
// HTML/text switches. The page works without it (htmx alone refreshes the preview).
"use strict";

(() => {
  const INDENT = "  ";

  // Line numbers: a gutter beside each source box, scrolled with it. Lines do not wrap.
  function lineCount(textarea) {
    return textarea.value.split("\n").length;
  }

  function updateGutter(textarea) {
    const gutter = textarea.previousElementSibling;
    if (!gutter || !gutter.classList.contains("code-gutter")) return;
    const count = lineCount(textarea);
    if (gutter.dataset.lines !== String(count)) {
      gutter.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
      gutter.dataset.lines = String(count);
    }
    gutter.scrollTop = textarea.scrollTop;
  }

  function enhance(root) {
    root.querySelectorAll("textarea[data-code-editor]").forEach((textarea) => {
      if (textarea.dataset.enhanced) return;
      textarea.dataset.enhanced = "true";
      const gutter = document.createElement("pre");
      gutter.className = "code-gutter";
      gutter.setAttribute("aria-hidden", "true");
      textarea.before(gutter);
      textarea.addEventListener("scroll", () => { gutter.scrollTop = textarea.scrollTop; });
      updateGutter(textarea);
    });
    const pane = root.querySelector("[data-preview-pane]");
    if (pane && !pane.classList.contains("enhanced")) {
      pane.classList.add("enhanced");
      pane.querySelector(".preview-switches").hidden = false;
    }
  }

  // Tab indents (Shift+Tab removes an indent) in a source box; Esc then Tab leaves it, so the
  // keyboard is never trapped.
  let escaped = false;
  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.hasAttribute("data-code-editor")) return;
    if (event.key === "Escape") { escaped = true; return; }
    if (event.key !== "Tab" || escaped || textarea.readOnly || event.ctrlKey || event.altKey || event.metaKey) {
      escaped = false;
      return;
    }
    event.preventDefault();
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    if (event.shiftKey) {
      const lineStart = value.lastIndexOf("\n", start - 1) + 1;
      if (value.startsWith(INDENT, lineStart)) {
        textarea.setRangeText("", lineStart, lineStart + INDENT.length, "end");
        textarea.setSelectionRange(Math.max(lineStart, start - INDENT.length), Math.max(lineStart, end - INDENT.length));
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
      return;
    }
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, INDENT)) {
      textarea.setRangeText(INDENT, start, end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement && event.target.hasAttribute("data-code-editor")) {
      updateGutter(event.target);
    }
  });

  // The preview renders at a real width (640 px desktop, 375 px phone) and is zoomed out to
  // fit a narrower column, so the email's media queries see what a mail client would.
  function fitPreview() {
    const pane = document.querySelector("[data-preview-pane]");
    const part = pane && pane.querySelector(".preview-html-part");
    if (!part) return;
    const natural = pane.dataset.width === "mobile" ? 375 : 640;
    const available = part.clientWidth;
    pane.style.setProperty("--preview-zoom", available && available < natural ? String(available / natural) : "1");
  }
  window.addEventListener("resize", fitPreview);

  // Width and part switches: state lives on the pane, which htmx never replaces.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-preview-width], [data-preview-part]");
    if (!button) return;
    const pane = button.closest("[data-preview-pane]");
    const key = button.dataset.previewWidth ? "previewWidth" : "previewPart";
    pane.dataset[key === "previewWidth" ? "width" : "part"] = button.dataset[key];
    button.parentElement.querySelectorAll("button").forEach((other) => {
      other.setAttribute("aria-pressed", String(other === button));
    });
    fitPreview();
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    enhance(document);
    fitPreview();
    // A rebuilt sample refreshes the preview like typing would.
    if (event.detail.target && event.detail.target.id === "sample-field") {
      const sample = document.getElementById("template-sample");
      if (sample) sample.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  enhance(document);
  fitPreview();
})();
