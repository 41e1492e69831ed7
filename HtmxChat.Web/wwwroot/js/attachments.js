// Files in the send form: each chosen, pasted or dropped file is uploaded at once (showing its progress) and becomes
// a chip carrying its id; Send sends the text with those ids. Without this script the form posts the file itself.
"use strict";

(() => {
  const sendForm = () => document.getElementById("send-form");

  document.addEventListener("change", (event) => {
    const input = event.target.closest(".attach-input");
    if (!input || !input.files?.length) return;
    uploadAll(input.form, input.files);
    // The bytes are on their way already: the form must not post them again.
    input.value = "";
  });

  document.addEventListener("paste", (event) => {
    const form = event.target.closest?.("#send-form");
    const files = event.clipboardData?.files;
    if (!form || !files?.length) return;
    event.preventDefault();
    uploadAll(form, files);
  });

  // Dropping files anywhere on the open chat attaches them.
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes("Files");
  document.addEventListener("dragover", (event) => {
    if (!sendForm() || !carriesFiles(event) || !event.target.closest?.(".conversation")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    document.querySelector(".conversation")?.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (event) => {
    if (event.target.classList?.contains("conversation")) event.target.classList.remove("drop-target");
  });
  document.addEventListener("drop", (event) => {
    document.querySelector(".conversation")?.classList.remove("drop-target");
    const form = sendForm();
    if (!form || !carriesFiles(event) || !event.target.closest?.(".conversation")) return;
    event.preventDefault();
    uploadAll(form, event.dataTransfer.files);
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove-attachment");
    if (!remove) return;
    const chip = remove.closest(".pending-attachment");
    chip.upload?.abort();
    const list = chip.parentElement;
    chip.remove();
    list.hidden = list.children.length === 0;
    document.getElementById("Message")?.focus();
  });

  // Send waits for the files: a message must not leave without one the person attached.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (form.id !== "send-form" || !form.querySelector(".pending-attachment.uploading")) return;
    event.preventDefault();
    showFileError(form, "Wait until the files have uploaded, then send.");
  });

  function uploadAll(form, files) {
    showFileError(form, null);
    for (const file of Array.from(files)) upload(form, file);
  }

  function upload(form, file) {
    const list = form.querySelector(".pending-attachments");
    const chip = document.createElement("li");
    chip.className = "pending-attachment uploading d-flex align-items-center gap-2 border rounded px-2 py-1";
    const name = document.createElement("span");
    name.className = "pending-name text-truncate";
    name.textContent = file.name || "pasted file";
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${name.textContent}`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close btn-sm remove-attachment";
    remove.setAttribute("aria-label", `Remove ${name.textContent}`);
    chip.append(name, progress, remove);
    list.append(chip);
    list.hidden = false;

    const body = new FormData();
    body.append("file", file, file.name || "pasted-file");
    const request = new XMLHttpRequest();
    chip.upload = request;
    request.open("POST", form.dataset.uploadUrl);
    const token = form.querySelector("input[name=__RequestVerificationToken]")?.value;
    if (token) request.setRequestHeader("RequestVerificationToken", token);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      if (request.status === 200) {
        chip.outerHTML = request.responseText;
        return;
      }
      chip.remove();
      list.hidden = list.children.length === 0;
      const said = request.responseText.trim();
      const detail = said && said.length <= 300 && !said.startsWith("<") ? said : `it could not be uploaded (${request.status}).`;
      showFileError(form, `${file.name || "The file"}: ${detail}`);
    });
    request.addEventListener("error", () => {
      chip.remove();
      list.hidden = list.children.length === 0;
      showFileError(form, `${file.name || "The file"}: the upload was interrupted. Try again.`);
    });
    request.send(body);
  }

  function showFileError(form, text) {
    const error = form.querySelector(".attach-error");
    const input = form.querySelector(".attach-input");
    if (!error) return;
    error.textContent = text ?? "";
    error.classList.toggle("d-block", !!text);
    input?.setAttribute("aria-invalid", text ? "true" : "false");
    if (text) input?.setAttribute("aria-describedby", error.id);
    else input?.removeAttribute("aria-describedby");
  }

  // An image in the log opens full size in a dialog over the chat (the link still works on its own).
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".attachment-image");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || typeof HTMLDialogElement !== "function") return;
    event.preventDefault();
    let dialog = document.getElementById("image-viewer");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "image-viewer";
      dialog.className = "image-viewer p-0 border-0 bg-transparent";
      dialog.innerHTML = '<form method="dialog" class="text-end"><button class="btn btn-light btn-sm m-1">Close</button></form>' +
        '<img alt="" /><a class="btn btn-light btn-sm m-1" target="_blank" rel="noopener">Open original</a>';
      dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
      document.body.append(dialog);
    }
    const image = dialog.querySelector("img");
    image.src = link.dataset.full;
    image.alt = link.dataset.name;
    dialog.querySelector("a").href = link.dataset.full;
    dialog.showModal();
  });
})();
