// Shows /readyz: which dependency of the stack answers and which does not.
async function refresh() {
  const summary = document.getElementById("summary");
  const list = document.getElementById("checks");
  try {
    const res = await fetch("/readyz", { headers: { Accept: "application/json" } });
    const body = await res.json();
    const checks = res.ok ? body.data.checks : body.checks || {};
    summary.textContent = res.ok ? "Everything answers." : body.detail;
    list.replaceChildren(...Object.keys(checks).sort().map((name) => {
      const li = document.createElement("li");
      const ok = checks[name] === "ok";
      li.className = ok ? "ok" : "bad";
      li.textContent = ok ? name : `${name}: ${checks[name]}`;
      return li;
    }));
  } catch (err) {
    summary.textContent = "The API does not answer: " + err;
  }
}
refresh();
setInterval(refresh, 5000);
