// Entry point of the web UI: registers the components; index.html holds the <ferry-app> element.
import './components/ferry-app.js'
