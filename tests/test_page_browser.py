"""The step-by-step page in a real browser: Debian's chromium, driven by selenium through /usr/bin/chromedriver.

Every step is played with the right arrow key and the panel's numbers are
read back from the DOM and compared with the Walkthrough; a hostile label
runs nothing; the page loads nothing and logs no error. `make chromium`
installs the browser; selenium never downloads one (the driver's path is given).
"""

import os
import shutil
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from micrograd import Value, examples, explain
from micrograd.viz import format_number, page

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'


@pytest.fixture(scope='module')
def browser():
    for program in (CHROMIUM, CHROMEDRIVER):
        assert os.access(program, os.X_OK), f"{program} is missing: run `make chromium` (Debian: chromium chromium-driver)"
    profile = tempfile.mkdtemp(prefix='micrograd-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--no-first-run', f'--user-data-dir={profile}', '--window-size=1200,900'):
        options.add_argument(flag)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, walkthrough, tmp_path, step=None):
    path = tmp_path / 'page.html'
    walkthrough.save(path)
    browser.get(path.as_uri() + ('' if step is None else f'#step={step}'))
    browser.get_log('browser')  # start each page with an empty log
    return path


def console_errors(browser):
    return [entry for entry in browser.get_log('browser') if entry['level'] in ('SEVERE', 'WARNING')]


# One round trip per step: what the panel and the drawing show, read from the DOM.
READ_STEP = """
const panel = document.getElementById('wt-panel');
const texts = (selector, scope) => Array.from((scope || panel).querySelectorAll(selector), e => e.textContent);
const current = Array.from(document.querySelectorAll('#wt-graph .current'), e => e.id);
const shownNumbers = Array.from(document.querySelectorAll('#wt-graph text'))
  .filter(t => getComputedStyle(t).visibility !== 'hidden').map(t => t.textContent);
return {
  counter: document.getElementById('wt-counter').textContent,
  hash: location.hash,
  phase: panel.querySelector('.phase').className,
  name: panel.querySelector('.node-name').textContent,
  values: texts('.value'), totals: texts('.total'), received: texts('.received .contribution'),
  sends: Array.from(panel.querySelectorAll('.send'), li => [texts('.upstream', li), texts('.local', li),
                                                            texts('.contribution', li)]),
  current: current, shown: shownNumbers,
};
"""


def expected_panel(walkthrough, step):
    """What the panel must show for a step, from the Walkthrough (numbers as draw_dot writes them)."""
    name = walkthrough.names[step.node]
    if step.phase == 'forward':
        return {'phase': 'phase forward', 'name': name, 'values': [format_number(step.value)], 'sends': []}
    received = [format_number(send.contribution) for _, _, send in walkthrough.received(step.node)]
    return {'phase': 'phase backward', 'name': name, 'received': received,
            'totals': [format_number(step.value)] * (2 if len(received) > 1 else 1),
            'sends': [[[format_number(step.value)], [format_number(send.local)], [format_number(send.contribution)]]
                      for send in step.sends]}


def shared_expression():
    x, y = Value(2.0, label='x'), Value(-3.0, label='y')
    t = x * y
    return (t.tanh() + t * x) / y


@pytest.mark.parametrize('style', ['micrograd', 'book'])
@pytest.mark.parametrize('build', [examples.buy_apple_orange, shared_expression], ids=['apple-orange', 'shared'])
def test_the_right_arrow_plays_every_step_with_the_walkthroughs_numbers(browser, tmp_path, build, style):
    walkthrough = explain(build(), style=style)
    open_page(browser, walkthrough, tmp_path)
    body = browser.find_element(By.TAG_NAME, 'body')
    total = len(walkthrough.steps)
    ids = {}
    for index, step in enumerate(walkthrough.steps):
        shown = browser.execute_script(READ_STEP)
        assert shown['counter'] == f"Step {index + 1} of {total}" and shown['hash'] == f"#step={index + 1}"
        for key, value in expected_panel(walkthrough, step).items():
            assert shown[key] == value, f"step {index + 1}: {key}"
        assert shown['current'], f"step {index + 1}: nothing highlighted"
        ids.setdefault(step.node, shown['current'])
        assert shown['current'] == ids[step.node]  # the same elements stand for a node in both passes
        body.send_keys(Keys.ARROW_RIGHT)
    assert browser.execute_script(READ_STEP)['counter'] == f"Step {total} of {total}"  # stops at the end
    assert len({tuple(v) for v in ids.values()}) == len(ids)  # each node lights up elements of its own
    # At the end every number of the drawing is shown, the book's too: all values and gradients.
    shown = browser.execute_script(READ_STEP)['shown']
    for node in walkthrough.names:
        assert any(format_number(node.data) in text for text in shown)
    for step in walkthrough.backward_steps:
        assert any(format_number(step.value) in text for text in shown)
    assert console_errors(browser) == []


def test_numbers_appear_when_their_step_comes(browser, tmp_path):
    walkthrough = explain(examples.buy_apple(backward=False))
    open_page(browser, walkthrough, tmp_path, step=1)
    # The first forward step: every box's label and op, and apple's data only.
    assert sorted(browser.execute_script(READ_STEP)['shown']) == sorted(
        ['apple', 'data 100', 'apple_num', 'tax', 'apple_price', 'price', '*', '*'])
    browser.get(browser.current_url.split('#')[0] + '#step=6')  # the first backward step: price's gradient only
    shown = browser.execute_script(READ_STEP)['shown']
    assert [text for text in shown if text.startswith('grad')] == ['grad 1']
    assert len([text for text in shown if text.startswith('data')]) == 5


def test_buttons_slider_keys_and_the_address(browser, tmp_path):
    walkthrough = explain(examples.buy_apple_orange())
    open_page(browser, walkthrough, tmp_path, step=12)

    def counter():
        return browser.find_element(By.ID, 'wt-counter').text
    assert counter() == 'Step 12 of 18'
    browser.find_element(By.ID, 'wt-prev').click()
    assert counter() == 'Step 11 of 18' and browser.execute_script('return location.hash') == '#step=11'
    browser.find_element(By.ID, 'wt-next').click()
    browser.find_element(By.ID, 'wt-reset').click()
    assert counter() == 'Step 1 of 18' and not browser.find_element(By.ID, 'wt-prev').is_enabled()
    slider = browser.find_element(By.ID, 'wt-slider')
    slider.send_keys(Keys.ARROW_RIGHT)  # the slider moves one step, the page's own arrow keys stay out of it
    assert counter() == 'Step 2 of 18'
    browser.find_element(By.TAG_NAME, 'body').send_keys(Keys.END)
    assert counter() == 'Step 18 of 18' and not browser.find_element(By.ID, 'wt-next').is_enabled()
    browser.execute_script("location.hash = '#step=3'")
    assert counter() == 'Step 3 of 18'
    play = browser.find_element(By.ID, 'wt-play')
    play.click()
    deadline = time.monotonic() + 10
    while counter() == 'Step 3 of 18' and time.monotonic() < deadline:
        time.sleep(0.1)
    play.click()  # pause
    paused = counter()
    assert paused != 'Step 3 of 18' and 'Play' in play.text
    time.sleep(1.5)
    assert counter() == paused
    assert console_errors(browser) == []


def test_a_hostile_label_shows_as_text_and_runs_nothing(browser, tmp_path):
    label = '</script><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    x = Value(2.0, label=label)
    walkthrough = explain(x * x)
    open_page(browser, walkthrough, tmp_path, step=1)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.accept()  # raises: no alert was opened
    assert browser.execute_script("return window.pwned === undefined && document.images.length === 0 "
                                  "&& document.scripts.length === 2")
    assert browser.find_element(By.CSS_SELECTOR, '#wt-panel .node-name').text == label
    assert label in browser.execute_script("return document.getElementById('wt-graph').textContent")
    assert console_errors(browser) == []


def test_the_page_loads_nothing_and_its_policy_blocks_what_tries(browser, tmp_path):
    open_page(browser, explain(examples.buy_apple_orange()), tmp_path)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    violated = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        document.addEventListener('securitypolicyviolation', e => done(e.effectiveDirective));
        const image = document.createElement('img');
        image.src = 'http://127.0.0.1:9/tracker.png';
        document.body.appendChild(image);
        setTimeout(() => done('no violation'), 3000);
    """)
    assert violated == 'img-src'  # the policy refused the image the test itself tried to load


def test_a_large_graph_opens_without_the_drawing_and_plays(browser, tmp_path):
    x = Value(0.5, label='x')
    y = x
    for _ in range(1000):
        y = (y * 0.999).tanh() + x
    walkthrough = explain(y)
    assert len(walkthrough.steps) > 2 * page.DRAW_LIMIT
    open_page(browser, walkthrough, tmp_path)
    note = browser.find_element(By.ID, 'wt-note')
    assert note.is_displayed() and 'more than the 300 this page draws' in note.text
    assert not browser.find_element(By.ID, 'wt-legend').is_displayed()
    body = browser.find_element(By.TAG_NAME, 'body')
    body.send_keys(Keys.END)
    shown = browser.execute_script(READ_STEP)
    assert shown['counter'] == f"Step {len(walkthrough.steps)} of {len(walkthrough.steps)}"
    last = walkthrough.steps[-1]
    assert shown['name'] == 'x' and shown['totals'][0] == format_number(last.value)
    assert console_errors(browser) == []


def test_the_jupyter_frame_plays_the_page(browser, tmp_path):
    walkthrough = explain(examples.buy_apple())
    host = tmp_path / 'notebook.html'
    host.write_text(f'<!DOCTYPE html><html><body>{walkthrough._repr_html_()}</body></html>', encoding='utf-8')
    browser.get(host.as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, 'iframe'))
    try:
        assert browser.find_element(By.ID, 'wt-counter').text == 'Step 1 of 10'
        browser.find_element(By.ID, 'wt-next').click()
        assert browser.find_element(By.CSS_SELECTOR, '#wt-panel .node-name').text == 'apple_num'
    finally:
        browser.switch_to.default_content()
    assert console_errors(browser) == []
