// The sign-in page: a browser without the admin key pastes it once; the page's script posts it
// to /ui/session (JSON, so the cross-site guard applies) and the answer sets the cookie.
import { markup, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export function signInPage(refused: boolean): SafeHtml {
  const main = markup`<h1>Sign in</h1>
    <p>
      The status page needs the gateway's admin key (<code>GW_ADMIN_KEY</code>). It is kept in an HttpOnly cookie for
      this browser session.
    </p>
    <form id="signin" class="signin" action="/ui/session" method="post">
      <label for="key">Admin key</label>
      <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
      <button type="submit">Sign in</button>
      <p id="signin-error" class="error" role="alert">${refused ? 'That key was refused.' : ''}</p>
    </form>`;
  return layout({ title: 'Sign in', section: 'none' }, main);
}
