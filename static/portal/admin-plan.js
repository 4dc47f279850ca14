/* The plan's admin, for city staff (no inline script: the site's CSP applies here too).
 *
 * 1. The tree list opens down to the strategies: the goal and the visions are expanded
 *    (treebeard loads each level's rows when it is opened). A row staff close stays closed.
 * 2. After a refused save (someone else saved first), the form opens on the language tab the
 *    editor was typing in, not on the Chinese one.
 */
(function () {
  "use strict";

  var OPEN_BELOW_LEVEL = 3; // 1 = the goal, 2 = the visions

  // A row is opened once: when its toggle has shown it open, the staff member decides.
  function openTree() {
    document.querySelectorAll("#result_list tbody tr").forEach(function (row) {
      var level = parseInt(row.getAttribute("data-level") || "0", 10);
      if (level < 1 || level >= OPEN_BELOW_LEVEL || row.hasAttribute("data-opened")) {
        return;
      }
      var toggle = row.querySelector("a.treebeard-collapse");
      if (!toggle) {
        return;
      }
      if (toggle.classList.contains("treebeard-expanded")) {
        row.setAttribute("data-opened", "1");
      } else if (toggle.classList.contains("treebeard-collapsed")) {
        toggle.click(); // retried until it takes (treebeard may not listen yet)
      }
    });
  }

  function watchTree() {
    var list = document.querySelector("#result_list");
    if (!list) {
      return;
    }
    // treebeard adds its toggles when its own script has run, and each level's rows when
    // they arrive: open whatever is ready, after every change to the list, and for a few
    // seconds in case a click came before treebeard listened.
    openTree();
    new MutationObserver(openTree).observe(list, { childList: true, subtree: true });
    var tries = 0;
    var timer = window.setInterval(function () {
      openTree();
      tries += 1;
      if (tries > 40) {
        window.clearInterval(timer);
      }
    }, 250);
  }

  var TAB_KEY = "plan-admin-language:" + window.location.pathname;

  // modeltranslation builds the tabs with its own script: wait for them (briefly).
  function rememberTabs(tries) {
    var links = document.querySelectorAll(".ui-tabs-nav a");
    if (!links.length) {
      if ((tries || 0) < 40) {
        window.setTimeout(function () {
          rememberTabs((tries || 0) + 1);
        }, 100);
      }
      return;
    }
    links.forEach(function (link) {
      link.addEventListener("click", function () {
        try {
          window.sessionStorage.setItem(TAB_KEY, link.textContent.trim());
        } catch (error) {
          /* storage refused (private mode): the default tab it is */
        }
      });
    });
    var language = null;
    try {
      language = window.sessionStorage.getItem(TAB_KEY);
    } catch (error) {
      language = null;
    }
    if (language && document.querySelector(".errornote")) {
      // After the tabs' own set-up has finished.
      window.setTimeout(function () {
        links.forEach(function (link) {
          if (link.textContent.trim() === language) {
            link.click();
          }
        });
      }, 0);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchTree);
  } else {
    watchTree();
  }
  window.addEventListener("load", function () {
    rememberTabs(0);
  });
})();
