// Digna staff pages: download a chart as PNG, drawn from its SVG in the browser.
// Every other feature of the dashboards works without this script.
"use strict";
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-png-from]");
  if (!link) return;
  event.preventDefault();
  try {
    const response = await fetch(link.dataset.pngFrom, { credentials: "same-origin" });
    const svg = await response.text();
    const image = new Image();
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    await new Promise((resolve, reject) => {
      image.onload = resolve;
      image.onerror = reject;
      image.src = url;
    });
    const scale = 2;
    const canvas = document.createElement("canvas");
    canvas.width = (image.naturalWidth || 800) * scale;
    canvas.height = (image.naturalHeight || 450) * scale;
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = link.getAttribute("download") || "grafico.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }, "image/png");
  } catch (e) {
    link.setAttribute("aria-invalid", "true");
  }
});
