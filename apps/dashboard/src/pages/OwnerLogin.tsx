import { useState } from 'react';
import { api } from '../api';
import { ErrorLine } from '../components/common';

const KEY = 'fluxplane.zelidauth';

/** The owner's `zelidauth` (FluxOS's login: {zelid, signature, loginPhrase}), kept for this browser tab. */
export function useOwnerSession() {
  const [auth, setAuth] = useState<string | null>(() => sessionStorage.getItem(KEY));
  return {
    auth,
    login: (value: string) => { sessionStorage.setItem(KEY, value); setAuth(value); },
    logout: () => { sessionStorage.removeItem(KEY); setAuth(null); },
  };
}

/**
 * Log in with a ZelID signature, as on FluxOS: the gateway issues a phrase (`/id/loginphrase`), the
 * owner signs it with their wallet (Zelcore, SSP, or `bitcoinjs-message` with the key) and pastes the
 * signature; `/id/verifylogin` checks it and opens a session.
 */
export function OwnerLogin({ onLogin }: { onLogin: (zelidauth: string) => void }) {
  const [phrase, setPhrase] = useState<string>();
  const [zelid, setZelid] = useState('');
  const [signature, setSignature] = useState('');
  const [error, setError] = useState<string>();
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  const start = () => { setError(undefined); api.loginPhrase().then(setPhrase, fail); };
  const submit = (ev: React.FormEvent) => {
    ev.preventDefault();
    if (!phrase) return;
    const auth = { zelid: zelid.trim(), signature: signature.trim(), loginPhrase: phrase };
    setError(undefined);
    api.verifyLogin(auth).then(() => onLogin(JSON.stringify(auth)), fail);
  };
  if (!phrase) {
    return <p>Owners see their app's logs and restart it. <button onClick={start} data-testid="login-start">log in with ZelID</button><ErrorLine error={error} /></p>;
  }
  return (
    <form className="login" onSubmit={submit} data-testid="login-form">
      <label>Sign this phrase with your ZelID<code data-testid="login-phrase">{phrase}</code></label>
      <label>ZelID<input name="zelid" value={zelid} onChange={(e) => setZelid(e.target.value)} autoComplete="off" required /></label>
      <label>Signature<input name="signature" value={signature} onChange={(e) => setSignature(e.target.value)} autoComplete="off" required /></label>
      <button type="submit" data-testid="login-submit">log in</button>
      <ErrorLine error={error} />
    </form>
  );
}
