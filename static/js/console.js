// Keyboard shortcuts and small behaviours. No inline handlers: the CSP forbids them.
(function () {
  "use strict";
})();
