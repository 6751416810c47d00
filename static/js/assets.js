// Asset uploads: per file, the API's flow on the dashboard session (create → upload session →
// PUT with a progress bar → finalize), then the ready card. Without it the form posts one file.
// Every [data-asset-uploader] is enhanced once: those of the page, and those htmx swaps in
// later (the Brand Kit editor's form is replaced after an invalid save).
"use strict";

(() => {
  const uploaders = new WeakMap();
  let counter = 0;

  class UploadError extends Error {}

  function uploaderFor(form) {
    if (!uploaders.has(form)) uploaders.set(form, enhance(form));
    return uploaders.get(form);
  }

  function enhanceAll(root) {
    const forms = Array.from(root.querySelectorAll("[data-asset-uploader]"));
    if (root.matches && root.matches("[data-asset-uploader]")) forms.unshift(root);
    forms.forEach(uploaderFor);
  }

  enhanceAll(document);
  document.addEventListener("htmx:load", (event) => enhanceAll(event.target));
  // Listened for on the document, not on each input: htmx fires htmx:load only once the swapped
  // content has settled, and a file chosen in between would otherwise go nowhere.
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const form = input.closest("[data-asset-uploader]");
    if (!form) return;
    uploaderFor(form).uploadAll(input.files);
    input.value = "";
  });

  function enhance(form) {
    // The uploader may sit inside another form (a Brand Kit's logos), whose token it uses.
    const csrfToken = (form.querySelector("input[name=csrfmiddlewaretoken]") || document.querySelector("input[name=csrfmiddlewaretoken]")).value;
    const baseUrl = form.dataset.baseUrl;
    const maxBytes = Number(form.dataset.maxBytes);
    form.classList.add("enhanced");

    async function postJson(url, body) {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
        body: JSON.stringify(body || {}),
      });
      let data = null;
      try { data = await response.json(); } catch { data = null; }
      if (!response.ok) {
        const message = data && data.error ? data.error.message : `The request failed (HTTP ${response.status}).`;
        throw new UploadError(message);
      }
      return data;
    }

    function put(target, file, onProgress) {
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open(target.method || "PUT", target.uploadUrl);
        Object.entries(target.headers || {}).forEach(([name, value]) => xhr.setRequestHeader(name, value));
        xhr.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(); return; }
          let message = `The upload failed (HTTP ${xhr.status}).`;
          try { message = JSON.parse(xhr.responseText).error.message; } catch { /* S3 answers in XML */ }
          reject(new UploadError(message));
        };
        xhr.onerror = () => reject(new UploadError("The upload failed: the connection was lost."));
        xhr.send(file);
      });
    }

    // The inline edit form's endpoint; it answers with the card (in edit mode on a 422).
    async function saveAltText(assetId, altText) {
      const body = new FormData();
      body.append("alt_text", altText);
      body.append("tags", "");
      const response = await fetch(`${baseUrl}${assetId}/edit/`, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken, "HX-Request": "true" }, body,
      });
      if (!response.ok && response.status !== 422) {
        throw new UploadError(`The image was uploaded, but its alt text was not saved (HTTP ${response.status}).`);
      }
      return response.text();
    }

    function uploadingCard(file) {
      counter += 1;
      const card = document.createElement("li");
      card.className = "asset-card uploading";
      const altId = `upload-alt-${counter}`;
      card.innerHTML = `
        <div class="asset-thumb"><span class="asset-thumb-note">Uploading…</span></div>
        <div class="asset-body">
          <p class="asset-filename"></p>
          <progress class="upload-progress" max="100" value="0"></progress>
          <p class="asset-meta upload-status" role="status">Waiting…</p>
          <label for="${altId}">Alt text</label>
          <input type="text" id="${altId}" class="upload-alt" maxlength="1000" autocomplete="off" placeholder="Describe the image for people who cannot see it">
          <p class="field-error" role="alert" hidden></p>
        </div>`;
      card.querySelector(".asset-filename").textContent = file.name;
      card.querySelector("progress").setAttribute("aria-label", `Upload of ${file.name}`);
      // Looked up at each upload: the queue may have been swapped along with the uploader.
      (form.querySelector("#upload-queue") || document.getElementById("upload-queue")).prepend(card);
      return card;
    }

    function fail(card, message) {
      card.classList.remove("uploading");
      card.classList.add("asset-failed");
      card.querySelector(".upload-status").textContent = "Failed";
      card.querySelector(".asset-thumb-note").textContent = "Failed";
      const error = card.querySelector(".field-error");
      error.textContent = message;
      error.hidden = false;
    }

    async function upload(file) {
      const card = uploadingCard(file);
      const status = card.querySelector(".upload-status");
      const progress = card.querySelector("progress");
      const altInput = card.querySelector(".upload-alt");
      try {
        if (file.size > maxBytes) {
          throw new UploadError(`${file.name} is too large: an image may be at most ${maxBytes} bytes.`);
        }
        status.textContent = "Preparing…";
        const asset = await postJson(form.dataset.createUrl, {
          filename: file.name, contentType: file.type, size: file.size, altText: altInput.value,
        });
        card.dataset.assetId = asset.id;
        const target = await postJson(`${baseUrl}${asset.id}/upload-session/`);
        status.textContent = "Uploading…";
        await put(target, file, (fraction) => { progress.value = Math.round(fraction * 100); });
        status.textContent = "Checking the image…";
        const done = await postJson(`${baseUrl}${asset.id}/finalize/`);
        // Read only now: the alt text may have been typed while the bytes were on their way.
        const cardHtml = altInput.value.trim() ? await saveAltText(asset.id, altInput.value) : done.cardHtml;
        // A page that offers the image elsewhere (the Brand Kit logo picker) cancels the event.
        const announcement = new CustomEvent("asset-ready", {
          bubbles: true, cancelable: true, detail: { id: asset.id, filename: file.name, url: done.url },
        });
        if (!form.dispatchEvent(announcement)) {
          card.remove();
          return;
        }
        const holder = document.createElement("template");
        holder.innerHTML = cardHtml.trim();
        const ready = holder.content.firstElementChild;
        card.replaceWith(ready);
        if (window.htmx) window.htmx.process(ready);
      } catch (error) {
        fail(card, error instanceof UploadError ? error.message : `Unexpected error: ${error}`);
      }
    }

    function uploadAll(files) {
      // One after another keeps the order of the cards and the load on the server predictable.
      Array.from(files).reduce((previous, file) => previous.then(() => upload(file)), Promise.resolve());
    }

    form.addEventListener("submit", (event) => event.preventDefault());
    ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((name) => form.addEventListener(name, () => form.classList.remove("dragging")));
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
    });
    return { uploadAll };
  }
})();
