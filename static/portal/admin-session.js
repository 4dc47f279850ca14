// The staff session's idle warning (staff app). A staff session ends after
// STAFF_IDLE_TIMEOUT_MINUTES without a request; shortly before, this shows a notice that
// offers to stay signed in, so a long form is not lost. No inline script: the settings come
// from the data attributes of #staff-session (templates/staff/session_notice.html).
(function () {
    "use strict";
    var box = document.getElementById("staff-session");
    if (!box) {
        return;
    }
    var timeout = parseInt(box.dataset.timeout, 10);
    var warning = Math.min(parseInt(box.dataset.warning, 10), Math.floor(timeout / 2));
    var text = document.getElementById("staff-session-text");
    var stay = document.getElementById("staff-session-stay");
    var again = document.getElementById("staff-session-login");
    var timer = null;

    function schedule(remaining) {
        window.clearTimeout(timer);
        if (remaining <= 0) {
            ended();
        } else if (remaining <= warning) {
            warn(remaining);
        } else {
            timer = window.setTimeout(check, (remaining - warning) * 1000);
        }
    }

    function status(method) {
        var options = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
        if (method === "POST") {
            options.headers["X-CSRFToken"] = box.dataset.csrf;
        }
        return window.fetch(box.dataset.statusUrl, options).then(function (response) {
            return response.json();
        });
    }

    // Another tab may have kept the session alive: ask before warning.
    function check() {
        status("GET").then(function (data) {
            schedule(data.authenticated ? data.remaining : 0);
        }, function () {
            timer = window.setTimeout(check, 30000);
        });
    }

    function warn(remaining) {
        text.textContent = text.dataset.warningText;
        stay.hidden = false;
        again.hidden = true;
        box.hidden = false;
        stay.focus();
        timer = window.setTimeout(check, remaining * 1000 + 1000);
    }

    function ended() {
        text.textContent = text.dataset.endedText;
        stay.hidden = true;
        again.hidden = false;
        again.href = box.dataset.loginUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
        box.hidden = false;
    }

    stay.addEventListener("click", function () {
        status("POST").then(function (data) {
            box.hidden = true;
            schedule(data.authenticated ? data.remaining : 0);
        });
    });

    schedule(timeout);
})();
