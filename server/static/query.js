// The query page: YASGUI on /sparql, with the example queries as tabs (no inline script: see the CSP).
(() => {
  // Offline: keep only the autocompleters that need no remote service.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: "/sparql", method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: () => [] },
  });
  examples.forEach((q, i) => yasgui.addTab(i === 0, { name: q.title, yasqe: { value: q.text } }));
  window.yasgui = yasgui;
})();
