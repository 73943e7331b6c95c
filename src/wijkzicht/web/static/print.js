// The profile's print button (a file, not an inline handler: the Content-Security-Policy runs no inline script).
document.getElementById("print-profile")?.addEventListener("click", () => window.print());
// A printed profile shows every explanation, also the ones folded away on screen.
window.addEventListener("beforeprint", () => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
