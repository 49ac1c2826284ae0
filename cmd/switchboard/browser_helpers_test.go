package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// browserWait bounds each wait for the page; the page usually answers at
// once, and a failure then says what it was waiting for.
const browserWait = 20 * time.Second

// browserTab is one tab of a headless Chromium, for one test.
type browserTab struct {
	t    *testing.T
	ctx  context.Context
	base string // the service's URL
	shot int
	axe  string // axe-core's source, to check each page shown; "" when not installed
}

// newBrowserTab starts a headless Chromium with a fresh profile. Without
// Chromium the test fails under CI and is skipped elsewhere.
func newBrowserTab(t *testing.T, base string) *browserTab {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the console's browser tests need Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
		}
		t.Skipf("skipped: the console's browser tests need Chromium at %s (apt-get install chromium)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &browserTab{t: t, ctx: ctx, base: base, axe: axeSource(t)}
}

// axePath is axe-core as .ci/run installs it from npm (.ci/a11y), seen from
// the package's folder, where tests run.
var axePath = filepath.Join("..", "..", ".ci", "a11y", "node_modules", "axe-core", "axe.min.js")

// axeSource reads axe-core, the accessibility checker run on each page the
// tests photograph. Without it the check fails the test under CI and is
// left out elsewhere, with a note.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the console's accessibility check needs axe-core (npm ci --prefix .ci/a11y): %v", err)
		}
		t.Logf("the pages are not checked for accessibility: axe-core is not installed (npm ci --prefix .ci/a11y)")
		return ""
	}
	return string(b)
}

// checkAccessibility fails the test with each accessibility problem of
// the page as it is shown.
func (b *browserTab) checkAccessibility(name string) {
	b.t.Helper()
	if problems := b.accessibilityProblems(); len(problems) > 0 {
		b.t.Errorf("the page %q has accessibility problems (axe-core, WCAG 2.1 A and AA):\n%s", name, strings.Join(problems, "\n"))
	}
}

// accessibilityProblems runs axe-core's WCAG 2.1 A and AA rules on the page
// and answers each violation with where it is; none without axe-core.
func (b *browserTab) accessibilityProblems() []string {
	b.t.Helper()
	if b.axe == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined' || (() => { `+b.axe+`; return true; })()`)); err != nil {
		b.t.Fatalf("load axe-core into the page: %v", err)
	}
	const run = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ': ' +
			v.nodes.slice(0, 4).map(n => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\s+/g, ' ') + ']' : '')).join('; ')))`
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("check the page for accessibility: %v", err)
	}
	return problems
}

// do runs steps within browserWait; what names them in a failure.
func (b *browserTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\nthe page shows:\n%s", what, err, b.pageText())
	}
}

// pageText is what the page shows, for failure messages.
func (b *browserTab) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// acceptConfirms makes the page's confirm() questions answer yes, as a
// person clicking OK would, until the next page load.
func (b *browserTab) acceptConfirms() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.confirm = () => true, true)`)); err != nil {
		b.t.Fatalf("accept confirms: %v", err)
	}
}

// open loads the console at the hash route (e.g. "#/rules").
func (b *browserTab) open(hash string) {
	b.t.Helper()
	b.do("open "+hash, chromedp.Navigate(b.base+"/"+hash))
}

// signIn signs in with an API key on the sign-in page.
func (b *browserTab) signIn(token string) {
	b.t.Helper()
	b.open("")
	b.waitText("form.signin", "Sign in")
	b.screenshot("sign-in")
	b.do("sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), token),
		chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav a`)))
}

// waitText waits until an element matching sel shows text.
func (b *browserTab) waitText(sel, text string) {
	b.t.Helper()
	b.waitTextWithin(browserWait, sel, text)
}

// waitTextWithin is waitText for what takes longer than browserWait, such
// as a page's own periodic refresh. The page may re-render meanwhile.
func (b *browserTab) waitTextWithin(limit time.Duration, sel, text string) {
	b.t.Helper()
	js := fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.innerText.includes(%s))`, jsString(sel), jsString(text))
	ctx, cancel := context.WithTimeout(b.ctx, limit)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(limit))(ctx, t)
		return err
	}))
	if err != nil {
		b.t.Fatalf("wait for %q in %s: %v\nthe page shows:\n%s", text, sel, err, b.pageText())
	}
}

// text is what the first element matching sel shows, once there is one.
// It is read in one step in the page, so a page re-rendering itself (as
// the live pages do) cannot pull the element away mid-read.
func (b *browserTab) text(sel string) string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? {text: e.innerText} : null; })()`, jsString(sel))
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	shown, err := chromedp.Run(ctx, chromedp.Poll[struct {
		Text string `json:"text"`
	}](js, chromedp.WithPollingTimeout(browserWait)))
	if err != nil {
		b.t.Fatalf("read %s: %v\nthe page shows:\n%s", sel, err, b.pageText())
	}
	return shown.Text
}

// value is the current value of the first control matching sel.
func (b *browserTab) value(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read the value of %s: %v", sel, err)
	}
	return v
}

// drag drags the element matching from onto the one matching to, with the
// HTML drag-and-drop events a mouse drag fires.
func (b *browserTab) drag(from, to string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const a = document.querySelector(%s), z = document.querySelector(%s);
		if (!a || !z) return false;
		const dt = new DataTransfer();
		const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
		fire(a, 'dragstart'); fire(z, 'dragenter'); fire(z, 'dragover'); fire(z, 'drop'); fire(a, 'dragend');
		return true; })()`, jsString(from), jsString(to))
	b.do(fmt.Sprintf("drag %s onto %s", from, to), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(browserWait))(ctx, t)
		return err
	}))
}

// fill replaces the value of a text control by typing, as a person does.
func (b *browserTab) fill(sel, value string) {
	b.t.Helper()
	clear := fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); })()`, jsString(sel))
	b.do("fill "+sel,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](clear)(ctx, t)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose picks the option of a <select> whose text is label.
func (b *browserTab) choose(sel, label string) {
	b.t.Helper()
	b.chooseWhere(sel, label, "o.text === label")
}

// chooseStarting picks the first option of a <select> whose text begins
// with prefix.
func (b *browserTab) chooseStarting(sel, prefix string) {
	b.t.Helper()
	b.chooseWhere(sel, prefix, "o.text.startsWith(label)")
}

func (b *browserTab) chooseWhere(sel, label, match string) {
	b.t.Helper()
	js := fmt.Sprintf(`((label) => { const s = document.querySelector(%s); const o = s && [...s.options].find(o => %s);
		if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })(%s)`, jsString(sel), match, jsString(label))
	b.do(fmt.Sprintf("choose %q in %s", label, sel), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(browserWait))(ctx, t)
		return err
	}))
}

// click clicks the button matching sel whose text is label.
func (b *browserTab) click(sel, label string) {
	b.t.Helper()
	xpathFree := fmt.Sprintf(`(() => { const e = [...document.querySelectorAll(%s)].find(e => e.innerText.trim() === %s && !e.disabled);
		if (!e) return false; e.focus(); e.click(); return true; })()`, jsString(sel), jsString(label))
	b.do(fmt.Sprintf("click %q (%s)", label, sel), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](xpathFree, chromedp.WithPollingTimeout(browserWait))(ctx, t)
		return err
	}))
}

// screenshot saves the viewport as <test>-<n>-<name>.png under
// SWITCHBOARD_SCREENSHOTS (default .ci/artifacts/screenshots), with the
// element matching focus (when given) scrolled into the middle.
func (b *browserTab) screenshot(name string, focus ...string) {
	b.t.Helper()
	for _, sel := range focus {
		b.do("scroll to "+sel, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](fmt.Sprintf(`document.querySelector(%s).scrollIntoView({block: 'center'})`, jsString(sel)))(ctx, t)
			return err
		}))
	}
	dir := screenshotDir()
	prefix := unsafeChars.ReplaceAllString(b.t.Name(), "_") + "-"
	if b.shot == 0 { // the screenshots of an earlier run of this test go
		old, _ := filepath.Glob(filepath.Join(dir, prefix+"*.png"))
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatalf("screenshots: %v", err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shot++
	file := fmt.Sprintf("%s%02d-%s.png", prefix, b.shot, name)
	if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.checkAccessibility(name)
}

// screenshotDir is SWITCHBOARD_SCREENSHOTS, by default .ci/artifacts/screenshots
// of the repository (tests run in the package's folder).
func screenshotDir() string {
	if dir := os.Getenv("SWITCHBOARD_SCREENSHOTS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", ".ci", "artifacts", "screenshots")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// jsString quotes s as a JavaScript string.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// sameText says whether two texts are equal once whitespace is folded.
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
