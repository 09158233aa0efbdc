/* The RoPE book's own page script (Jupyter Book loads every _static/*.js on every page).
 *
 *   1. Landmarks: the left sidebar (book title, search, contents) becomes a labelled
 *      complementary landmark, so no page content sits outside a landmark (axe-core "region").
 *   2. Scroll boxes: an output, code block, table or equation wider than the column scrolls
 *      sideways (_static/book.css); each one that does gets a tab stop, a group role and a label, so
 *      keyboard readers can scroll it (axe-core "scrollable-region-focusable"). Inline math wider
 *      than its line is made such a box too. Re-run after MathJax typesets, when a folded cell
 *      opens and when the window changes width.
 *   3. Folded solutions: sphinx-togglebutton's click handler throws a ReferenceError and opens
 *      nothing when the click lands on an element inside a dropdown's title (the "Exercise 1.1"
 *      link of "Solution to Exercise 1.1", a formula); such clicks are handled here first and
 *      toggle the dropdown as a click on its title does. The link still works from the keyboard.
 *   4. Search: on the search page, results are sections, ranked, each with a snippet, from the
 *      book's section index (_static/book-search-index.js, written by _ext/book_site.py). It is a
 *      script, not a fetch, so it works on file:// too. Without the index, Sphinx's search runs.
 */
(function () {
  "use strict";

  /* -- 1. Landmarks ------------------------------------------------------------------------ */
  function addLandmarks() {
    const sidebar = document.getElementById("pst-primary-sidebar");
    if (sidebar && !sidebar.hasAttribute("role")) {
      sidebar.setAttribute("role", "complementary");
      sidebar.setAttribute("aria-label", "Book navigation");
    }
  }

  /* -- 2. Scroll boxes --------------------------------------------------------------------- */
  const SCROLL_BOXES = [
    ["div.cell_output .output", "Wide output"],
    ["div.cell_output pre", "Wide output"],
    ["div.highlight pre", "Wide code"],
    ['mjx-container[display="true"]', "Wide equation"],
    ["span.math.book-math-scroll", "Wide formula"],
    [".pst-scrollable-table-container", "Wide table"],
  ];

  function contentWidth(element) {
    const style = getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }

  function markWideInlineMath(article) {
    for (const math of article.querySelectorAll("span.math")) {
      if (math.closest("div.math")) continue;
      const block = math.parentElement && math.parentElement.closest("p, li, dd, dt, td, th, div, figcaption");
      if (!block || block.clientWidth === 0) continue;
      const wide = math.scrollWidth > contentWidth(block) + 1;
      math.classList.toggle("book-math-scroll", wide);
    }
  }

  function markScrollBoxes() {
    const article = document.querySelector("article.bd-article");
    if (!article) return;
    markWideInlineMath(article);
    for (const [selector, label] of SCROLL_BOXES) {
      for (const box of article.querySelectorAll(selector)) {
        if (box.clientWidth === 0) continue; // folded away: measured when it opens
        const overflows = box.scrollWidth > box.clientWidth + 1;
        const ours = box.dataset.bookScroll === "1";
        if (overflows && !ours && !box.hasAttribute("tabindex")) {
          box.dataset.bookScroll = "1";
          box.classList.add("book-scrolls");
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "group"); // not "region": dozens of landmarks would drown the real ones
          box.setAttribute("aria-label", label + " (scrolls sideways)");
        } else if (!overflows && ours) {
          delete box.dataset.bookScroll;
          box.classList.remove("book-scrolls");
          for (const name of ["tabindex", "role", "aria-label"]) box.removeAttribute(name);
        }
      }
    }
  }

  let pending = 0;
  function scheduleMarking() {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(markScrollBoxes);
  }

  function watchScrollBoxes() {
    markScrollBoxes();
    const mathjax = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (mathjax) mathjax.then(scheduleMarking);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(scheduleMarking);
    window.addEventListener("resize", scheduleMarking);
    // <details> fires "toggle" without bubbling; listen in the capture phase.
    document.addEventListener("toggle", scheduleMarking, true);
    document.addEventListener("click", (event) => {
      if (event.target.closest && event.target.closest(".toggle-button, summary, .admonition-title")) {
        window.setTimeout(scheduleMarking, 50);
      }
    });
  }

  /* -- 3. Folded solutions -------------------------------------------------------------- */
  function handleTitleClicks() {
    document.addEventListener("click", (event) => {
      const target = event.target;
      if (!(target instanceof Element)) return;
      const title = target.closest(".admonition.dropdown > .admonition-title, .dropdown .admonition-title");
      if (!title || target === title || target.closest(".toggle-button")) return;
      event.stopPropagation(); // keep it from togglebutton's handler on the title
      if (target.closest("a[href]")) {
        if (event.detail === 0) return; // Enter on the focused link: follow it
        event.preventDefault(); // a pointer on the title bar means "open", even on the link
      }
      const button = title.querySelector(".toggle-button");
      if (button) button.click();
    }, true);
  }

  /* -- 4. Section search ------------------------------------------------------------------- */
  const WORD = /[\p{L}\p{N}_]+/gu;

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+\-?^${}()|[\]\\]/g, "\\$&");
  }

  /** Query words, lower case, without repeats. */
  function queryTerms(query) {
    return [...new Set((query.toLowerCase().match(WORD) || []))];
  }

  /** Where ``term`` starts a word in ``text`` (lower case), as a global regular expression. */
  function wordStart(term) {
    return new RegExp("(?<![\\p{L}\\p{N}_])" + escapeRegExp(term), "gu");
  }

  /**
   * Rank the index's entries for ``query``: every word must occur in an entry's title or text.
   * A word in the title counts most, then how often it starts a word in the text (up to ten
   * times), then a match inside a word; a little is added for how often the words occur on the
   * section's page, so that the chapter about a thing comes before a passing mention elsewhere.
   * Ties keep the book's reading order.
   */
  function rankSections(index, query) {
    const terms = queryTerms(query);
    if (!terms.length) return [];
    const patterns = terms.map(wordStart);
    const pageHits = new Map();
    for (const [page, , , title, text] of index.entries) {
      const haystack = (title + " " + text).toLowerCase();
      let hits = 0;
      for (const pattern of patterns) hits += Math.min((haystack.match(pattern) || []).length, 20);
      pageHits.set(page, (pageHits.get(page) || 0) + hits);
    }
    const results = [];
    index.entries.forEach((entry, order) => {
      const [page, anchor, number, title, text] = entry;
      const titleLower = title.toLowerCase();
      const textLower = text.toLowerCase();
      let score = 0;
      for (let i = 0; i < terms.length; i++) {
        const term = terms[i];
        const pattern = patterns[i];
        pattern.lastIndex = 0;
        let termScore = 0;
        if (pattern.test(titleLower)) termScore += 20;
        else if (titleLower.includes(term)) termScore += 8;
        const hits = (textLower.match(pattern) || []).length;
        if (hits) termScore += 4 + Math.min(hits, 10);
        else if (textLower.includes(term)) termScore += 1;
        if (!termScore) return; // every word must match
        score += termScore;
      }
      if (queryTerms(title).join(" ") === terms.join(" ")) score += 10; // the title is the query
      score += Math.min(pageHits.get(page), 40) / 4;
      results.push({score, order, page, anchor, number, title, text});
    });
    results.sort((a, b) => b.score - a.score || a.order - b.order);
    return results;
  }

  /** About 220 characters of ``text`` around the first match, matches highlighted. */
  function snippet(text, terms) {
    const lower = text.toLowerCase();
    let first = -1;
    for (const term of terms) {
      const pattern = wordStart(term);
      const match = pattern.exec(lower);
      const at = match ? match.index : lower.indexOf(term);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    const start = Math.max(0, first < 0 ? 0 : first - 90);
    let cut = text.slice(start, start + 220);
    if (start > 0) cut = "…" + cut.replace(/^\S*\s/, "");
    if (start + 220 < text.length) cut = cut.replace(/\s\S*$/, "") + "…";
    let html = escapeHtml(cut);
    for (const term of terms) {
      html = html.replace(new RegExp("(" + escapeRegExp(escapeHtml(term)) + ")", "giu"),
                          '<span class="highlighted">$1</span>');
    }
    return html;
  }

  function showSections(query) {
    const index = window.BOOK_SEARCH_INDEX;
    const terms = queryTerms(query);
    const results = rankSections(index, query);
    // searchtools.js and sphinx_highlight.js declare these with const: globals, not on window.
    if (typeof SPHINX_HIGHLIGHT_ENABLED !== "undefined" && SPHINX_HIGHLIGHT_ENABLED) {
      localStorage.setItem("sphinx_highlight_terms", terms.join(" "));
    }
    const root = document.documentElement.dataset.content_root || "";
    for (const result of results) {
      const [url, pageTitle] = index.pages[result.page];
      const item = document.createElement("li");
      item.className = "book-search-result";
      const link = item.appendChild(document.createElement("a"));
      link.href = root + url + (result.anchor ? "#" + result.anchor : "");
      link.textContent = (result.number ? result.number + " " : "") + result.title;
      link.dataset.score = String(result.score);
      const where = item.appendChild(document.createElement("span"));
      where.className = "book-search-page";
      const sectionIsPage = !result.anchor || pageTitle.endsWith(result.title);
      where.textContent = sectionIsPage ? "" : " — " + pageTitle;
      if (result.text) {
        const context = item.appendChild(document.createElement("p"));
        context.className = "context";
        context.innerHTML = snippet(result.text, terms);
      }
      Search.output.appendChild(item);
    }
    Search.stopPulse();
    Search.title.innerText = "Search Results";
    Search.status.innerText = results.length
      ? `Found ${results.length} section${results.length === 1 ? "" : "s"} matching the search query.`
      : "Your search did not match any section. Please make sure that all words are spelled correctly.";
  }

  function useSectionSearch() {
    if (!window.BOOK_SEARCH_INDEX || typeof Search === "undefined") return;
    Search.query = showSections;
  }

  /* -- start ------------------------------------------------------------------------------- */
  function start() {
    addLandmarks();
    watchScrollBoxes();
    handleTitleClicks();
  }

  // Runs before Sphinx's own DOMContentLoaded handlers (capture listeners at the target fire
  // first), so the search page's first query already uses the section index.
  document.addEventListener("DOMContentLoaded", useSectionSearch, {capture: true, once: true});
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, {once: true});
  } else {
    start();
  }

  window.RopeBook = {rankSections, queryTerms, snippet, markScrollBoxes};
})();
