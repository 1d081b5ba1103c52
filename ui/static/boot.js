// Loads the Yew front desk. An external file, so the CSP needs no inline script.
import init from "./rapport_ui.js";
init();
