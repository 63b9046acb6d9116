/* The partnership's admin form, made to fit a screen (issue 20):
 *
 * - its parts in tabs (WAI-ARIA tabs: buttons with aria-selected and aria-controls; Tab, Enter
 *   and Space work as on any button, the arrow keys, Home and End move between the tabs);
 * - one language at a time for the per-language fields, the others a tab away, each language
 *   marked with how many of the story's translations are missing or outdated;
 * - the story's empty sections closed until asked for;
 * - a "Preview" button under each Markdown box (POST to the admin's markdown-preview/).
 *
 * What it needs comes as JSON in #partnership-form-layout (partnerships/admin/partnership.py,
 * form_layout). Without the script the form is as Django draws it: every part a headed section,
 * every language's field on the page.
 */
"use strict";
(function () {
    function make(tag, attributes, text) {
        const element = document.createElement(tag);
        Object.entries(attributes || {}).forEach(function ([name, value]) {
            element.setAttribute(name, value);
        });
        if (text !== undefined) {
            element.textContent = text;
        }
        return element;
    }

    function hasErrors(element) {
        return element.querySelector(".errorlist li, .errors input, .errors select") !== null;
    }

    /* Arrow keys, Home and End move (and switch) between the tabs of a tablist. */
    function arrowKeys(tabs, select) {
        tabs.forEach(function (tab, index) {
            tab.addEventListener("keydown", function (event) {
                const last = tabs.length - 1;
                const to = {
                    ArrowRight: index === last ? 0 : index + 1,
                    ArrowLeft: index === 0 ? last : index - 1,
                    Home: 0,
                    End: last,
                }[event.key];
                if (to === undefined) {
                    return;
                }
                event.preventDefault();
                select(tabs[to]);
                tabs[to].focus();
            });
        });
    }

    /* --- The parts of the form in tabs ------------------------------------------------------ */

    const TAB_KEY = "partnership-form-tab:" + window.location.pathname;

    /* Read (or with a value, write) the window's session storage; null where it is refused. */
    function storage(key, value) {
        try {
            if (value === undefined) {
                return window.sessionStorage.getItem(key);
            }
            window.sessionStorage.setItem(key, value);
        } catch (error) {
            // Storage refused (private mode, policies): every visit opens the first part.
        }
        return null;
    }

    function inlineCount(groupIds) {
        return groupIds.reduce(function (sum, id) {
            const prefix = id.replace(/-group$/, "");
            const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
            return sum + (total ? parseInt(total.value, 10) || 0 : 0);
        }, 0);
    }

    function buildTabs(form, layout) {
        const first = form.querySelector("fieldset.module[class*='tab-']");
        if (!first) {
            return null;
        }
        const container = first.parentElement;
        const tablist = make("div", {
            role: "tablist",
            class: "form-tabs",
            "aria-label": layout.text.sections,
        });
        container.insertBefore(tablist, first);
        const panels = make("div", {class: "form-tab-panels"});
        container.insertBefore(panels, first);
        const made = [];
        layout.tabs.forEach(function (spec) {
            const parts = Array.from(
                container.querySelectorAll(":scope > fieldset.tab-" + spec.key)
            );
            spec.inlines.forEach(function (id) {
                const group = document.getElementById(id);
                if (group) {
                    parts.push(group);
                }
            });
            if (!parts.length) {
                return;
            }
            const tab = make("button", {
                type: "button",
                role: "tab",
                id: "form-tab-" + spec.key,
                "aria-controls": "form-panel-" + spec.key,
                "aria-selected": "false",
                "data-tab": spec.key,
            });
            tab.appendChild(make("span", {class: "tab-label"}, spec.label));
            const panel = make("div", {
                role: "tabpanel",
                id: "form-panel-" + spec.key,
                "aria-labelledby": tab.id,
                class: "form-tab-panel",
            });
            parts.forEach(function (part) {
                panel.appendChild(part);
            });
            if (hasErrors(panel)) {
                tab.appendChild(make("span", {class: "tab-errors"}, layout.text.has_errors));
            }
            tablist.appendChild(tab);
            panels.appendChild(panel);
            made.push({tab: tab, panel: panel});
            if (spec.inlines.length) {
                // How many rows: the formsets' management forms count them.
                const count = make("span", {class: "tab-count"});
                tab.querySelector(".tab-label").after(" ", count);
                const update = function () {
                    count.textContent = "(" + inlineCount(spec.inlines) + ")";
                };
                update();
                document.addEventListener("formset:added", update);
                document.addEventListener("formset:removed", update);
            }
        });
        const tabs = made.map(function (entry) {
            return entry.tab;
        });

        function select(chosen) {
            made.forEach(function (entry) {
                const selected = entry.tab === chosen;
                entry.tab.setAttribute("aria-selected", selected ? "true" : "false");
                entry.panel.hidden = !selected;
            });
            form.dispatchEvent(new CustomEvent("formtab:selected", {detail: chosen.dataset.tab}));
            storage(TAB_KEY, chosen.dataset.tab);
        }
        tabs.forEach(function (tab) {
            tab.addEventListener("click", function () {
                select(tab);
            });
        });
        arrowKeys(tabs, select);
        // After a failed save: the first part with an error; after "Save and continue
        // editing": the part that was open (kept for this window only).
        const withErrors = made.find(function (entry) {
            return hasErrors(entry.panel);
        });
        const remembered = made.find(function (entry) {
            return entry.tab.dataset.tab === storage(TAB_KEY);
        });
        select((withErrors || remembered || made[0]).tab);
        return {made: made, select: select};
    }

    /* --- One language at a time ------------------------------------------------------------- */

    function languageOf(name, languages) {
        const found = languages.find(function (language) {
            return name.endsWith("_" + language.suffix);
        });
        return found ? found.code : null;
    }

    function buildLanguages(form, layout, tabs) {
        const languages = layout.languages
            .slice()
            .sort(function (a, b) {
                return b.suffix.length - a.suffix.length; // zh_hans before any shorter suffix
            });
        const story = form.querySelector("fieldset.tab-story");
        // Tag each per-language field's box (modeltranslation's widgets carry the class "mt").
        form.querySelectorAll(".mt[name]").forEach(function (widget) {
            if (widget.closest("td")) {
                return; // a table's cell stays: hiding it would shift the columns
            }
            const code = languageOf(widget.name, languages);
            if (!code) {
                return;
            }
            const box = widget.closest(".fieldBox");
            const holder = box ? box.parentElement : widget.closest(".form-row");
            if (holder) {
                holder.dataset.lang = code;
            }
        });
        if (!form.querySelector("[data-lang]")) {
            return;
        }
        const bar = make("div", {class: "language-switch"});
        bar.appendChild(make("span", {class: "language-tabs-label", "aria-hidden": "true"},
            layout.text.language));
        const tablist = make("div", {
            role: "tablist",
            class: "language-tabs",
            "aria-label": layout.text.language,
        });
        bar.appendChild(tablist);
        const buttons = [];
        const panels = {};
        layout.languages.forEach(function (language) {
            const tab = make("button", {
                type: "button",
                role: "tab",
                id: "language-tab-" + language.code,
                "aria-selected": "false",
                "data-language": language.code,
            });
            tab.appendChild(make("span", {}, language.name));
            if (language.mark) {
                // How many of the story's translations are missing or outdated.
                tab.appendChild(document.createTextNode(" "));
                tab.appendChild(make("span", {class: "translation-mark"}, language.mark));
            }
            if (story) {
                const panel = make("div", {
                    role: "tabpanel",
                    id: "language-panel-" + language.code,
                    "aria-labelledby": tab.id,
                    class: "language-panel",
                });
                story.appendChild(panel);
                panels[language.code] = panel;
                tab.setAttribute("aria-controls", panel.id);
            }
            // The state of each translation beside its field.
            Object.entries(language.states).forEach(function ([column, state]) {
                const label = form.querySelector("label[for='id_" + column + "']");
                if (label) {
                    label.appendChild(make("span", {class: "translation-state"},
                        layout.text[state]));
                }
            });
            tablist.appendChild(tab);
            buttons.push(tab);
        });
        // The story's rows into their language's panel, in their order.
        if (story) {
            story.querySelectorAll(":scope > .form-row[data-lang]").forEach(function (row) {
                panels[row.dataset.lang].appendChild(row);
            });
            Object.values(panels).forEach(closeEmptySections.bind(null, layout));
            story.insertBefore(bar, story.querySelector(".language-panel"));
        } else {
            tabs.made[0].panel.parentElement.insertBefore(bar, tabs.made[0].panel);
        }

        function select(chosen) {
            const code = chosen.dataset.language;
            buttons.forEach(function (button) {
                button.setAttribute("aria-selected", button === chosen ? "true" : "false");
            });
            Object.entries(panels).forEach(function ([language, panel]) {
                panel.hidden = language !== code;
            });
            form.querySelectorAll("[data-lang]").forEach(function (holder) {
                holder.classList.toggle("lang-hidden", holder.dataset.lang !== code);
            });
            form.dataset.language = code;
        }
        buttons.forEach(function (button) {
            button.addEventListener("click", function () {
                select(button);
            });
        });
        arrowKeys(buttons, select);
        // The bar goes with the tab on show: inside the story, or above an inline's rows.
        if (!story) {
            return;
        }
        form.addEventListener("formtab:selected", function (event) {
            const panel = document.getElementById("form-panel-" + event.detail);
            if (!panel || panel.contains(story)) {
                story.insertBefore(bar, story.querySelector(".language-panel"));
            } else if (panel.querySelector("[data-lang]")) {
                panel.insertBefore(bar, panel.firstChild);
            }
        });
        const current = document.querySelector("[role=tab][aria-selected=true][data-tab]");
        if (current) {
            form.dispatchEvent(new CustomEvent("formtab:selected", {detail: current.dataset.tab}));
        }
        // A language with an error first, else the original.
        const withErrors = buttons.find(function (button) {
            const panel = panels[button.dataset.language];
            return panel && hasErrors(panel);
        });
        select(withErrors || buttons[0]);
    }

    /* Sections of the story left empty (all but the first) are closed behind a button. */
    function closeEmptySections(layout, panel) {
        const rows = Array.from(panel.querySelectorAll(":scope > .form-row"));
        const openers = make("div", {class: "story-openers"});
        rows.slice(1).forEach(function (row) {
            const box = row.querySelector("textarea");
            if (!box || box.value.trim() || hasErrors(row)) {
                return;
            }
            const label = row.querySelector("label");
            let name = box.name;
            if (label) {
                const plain = label.cloneNode(true);
                plain.querySelectorAll(".translation-state").forEach(function (mark) {
                    mark.remove();
                });
                name = plain.textContent.replace(/:\s*$/, "").trim();
            }
            row.classList.add("story-section-closed");
            const opener = make("button", {type: "button", class: "story-section-opener"},
                layout.text.add_section.replace("%(section)s", name));
            opener.addEventListener("click", function () {
                row.classList.remove("story-section-closed");
                opener.remove();
                box.focus();
            });
            openers.appendChild(opener);
        });
        if (openers.childElementCount) {
            panel.appendChild(openers);
        }
    }

    /* --- Saved rows of the stacked parts folded to their heading ------------------------------ */

    function foldRows(form, layout) {
        form.querySelectorAll(
            ".inline-group[data-inline-type=stacked] .inline-related.has_original"
        ).forEach(function (row) {
            const heading = row.querySelector(":scope > h3");
            const fields = row.querySelectorAll(":scope > fieldset");
            if (!heading || !fields.length || hasErrors(row)) {
                return; // a row with an error stays open
            }
            const button = make("button", {
                type: "button",
                class: "inline-row-toggle",
                "aria-expanded": "false",
            }, layout.text.show_fields);
            const label = heading.querySelector(".inline_label");
            if (label) {
                label.id = row.id + "-label";
                button.id = row.id + "-toggle";
                button.setAttribute("aria-labelledby", button.id + " " + label.id);
            }
            heading.appendChild(button);
            function fold(folded) {
                fields.forEach(function (fieldset) {
                    fieldset.classList.toggle("row-folded", folded);
                });
                button.setAttribute("aria-expanded", folded ? "false" : "true");
                button.textContent = folded ? layout.text.show_fields : layout.text.hide_fields;
            }
            button.addEventListener("click", function () {
                fold(button.getAttribute("aria-expanded") === "true");
            });
            fold(true);
        });
    }

    /* --- Markdown previews ------------------------------------------------------------------- */

    function buildPreviews(form, layout) {
        const token = form.querySelector("input[name=csrfmiddlewaretoken]");
        form.querySelectorAll("textarea[data-markdown]").forEach(function (box) {
            const row = box.closest(".form-row");
            if (!row || !token) {
                return;
            }
            const button = make("button", {
                type: "button",
                class: "markdown-preview-button",
                "aria-expanded": "false",
            }, layout.text.preview);
            const preview = make("div", {
                class: "markdown-preview",
                id: box.id + "_preview",
                "aria-live": "polite",
            });
            preview.hidden = true;
            button.setAttribute("aria-controls", preview.id);
            row.appendChild(button);
            row.appendChild(preview);

            function close() {
                preview.hidden = true;
                button.setAttribute("aria-expanded", "false");
                button.textContent = layout.text.preview;
            }
            box.addEventListener("input", close);
            button.addEventListener("click", function () {
                if (!preview.hidden) {
                    close();
                    return;
                }
                const body = new URLSearchParams();
                body.set("text", box.value);
                fetch(layout.preview_url, {
                    method: "POST",
                    headers: {"X-CSRFToken": token.value},
                    body: body,
                    credentials: "same-origin",
                })
                    .then(function (response) {
                        if (!response.ok) {
                            throw new Error(String(response.status));
                        }
                        return response.json();
                    })
                    .then(function (answer) {
                        // Sanitised on the server (core/markdown.py: nh3's allow-list).
                        preview.innerHTML = answer.html;
                        if (!answer.html) {
                            preview.appendChild(make("p", {}, layout.text.empty_preview));
                        }
                    })
                    .catch(function () {
                        preview.replaceChildren(make("p", {}, layout.text.preview_failed));
                    })
                    .finally(function () {
                        preview.hidden = false;
                        button.setAttribute("aria-expanded", "true");
                        button.textContent = layout.text.hide_preview;
                    });
            });
        });
    }

    function start() {
        const data = document.getElementById("partnership-form-layout");
        const form = document.getElementById("partnership_form");
        if (!data || !form) {
            return;
        }
        const layout = JSON.parse(data.textContent);
        const tabs = buildTabs(form, layout);
        if (tabs) {
            buildLanguages(form, layout, tabs);
            foldRows(form, layout);
        }
        buildPreviews(form, layout);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
