import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AppPage } from './pages/AppPage';
import { Nodes } from './pages/Nodes';
import { Overview } from './pages/Overview';
import './styles.css';

/** The page named by the URL's fragment: `#/`, `#/nodes`, `#/apps/<name>`. */
function useRoute(): string {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

function Dashboard() {
  const route = useRoute();
  const app = /^\/apps\/([^/]+)$/.exec(route)?.[1];
  const page = app ? <AppPage key={app} app={decodeURIComponent(app)} /> : route === '/nodes' ? <Nodes /> : <Overview />;
  return (
    <>
      <header>
        <span className="brand">fluxplane</span>
        <nav>
          <a href="#/" className={route === '/' ? 'active' : ''}>Overview</a>
          <a href="#/nodes" className={route === '/nodes' ? 'active' : ''}>Nodes</a>
          {app && <a href={`#${route}`} className="active">{decodeURIComponent(app)}</a>}
        </nav>
      </header>
      <main>{page}</main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><Dashboard /></StrictMode>);
