// Turns every <textarea data-editor="python"> into a CodeMirror 6 editor with Python highlighting.
// The textarea stays in the form (hidden) and always holds the editor's text, so a plain form POST
// sends the code; without JavaScript the textarea itself is the editor.
import { basicSetup, EditorView } from "codemirror";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";

function submitWith(form, buttonName) {
  const button = form.querySelector(`button[name="action"][value="${buttonName}"]`);
  if (button) {
    // A click, not requestSubmit(button): htmx reads the pressed button from the click.
    button.click();
  } else {
    form.requestSubmit();
  }
}

function upgrade(textarea) {
  const form = textarea.form;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      python(),
      indentUnit.of("    "),
      // Ahead of the default keymap, which gives Mod-Enter to "insert blank line".
      Prec.highest(
        keymap.of([
          { key: "Mod-Enter", run: () => (form ? (submitWith(form, "run"), true) : false) },
          { key: "Shift-Mod-Enter", run: () => (form ? (submitWith(form, "submit"), true) : false) },
        ]),
      ),
      // Tab indents; Escape then Tab leaves the editor, so keyboard users are never trapped.
      keymap.of([indentWithTab]),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
      EditorView.contentAttributes.of({
        "aria-label": textarea.getAttribute("aria-label") || "Code editor",
      }),
    ],
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", view.dom);
  view.dom.classList.add("code-editor");
  textarea.mlcoachEditor = view;
  if (form) {
    form.addEventListener("submit", () => {
      textarea.value = view.state.doc.toString();
    });
  }
}

function upgradeAll(root) {
  root.querySelectorAll('textarea[data-editor="python"]').forEach((textarea) => {
    if (!textarea.mlcoachEditor) upgrade(textarea);
  });
}

window.mlcoachEditors = { upgradeAll };
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => upgradeAll(document));
} else {
  upgradeAll(document);
}
