// Translations fetched by each part of the page that needs them, as a small i18n
// hook does: the header on load, the footer when it appears 600 ms later. The
// file is cacheable (max-age=300), so the second read is the browser's cache
// answering, no round trip: the near miss of a duplicate request.
import React, { useEffect, useState } from 'react';
import { mount } from './_app.jsx';

function useTranslations() {
  const [t, setT] = useState(null);
  useEffect(() => {
    let live = true;
    fetch('/api/libs/locales/en.json').then((r) => r.json()).then((v) => live && setT(v));
    return () => {
      live = false;
    };
  }, []);
  return t;
}

function Header() {
  const t = useTranslations();
  return <h2>{t ? t.greeting : '…'}</h2>;
}

function Footer() {
  const t = useTranslations();
  useEffect(() => {
    if (t) window.footerShown = true;
  }, [t]);
  return <footer>{t ? t.footer : '…'}</footer>;
}

function Page() {
  const [footer, setFooter] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setFooter(true), 600);
    return () => clearTimeout(timer);
  }, []);
  return (
    <>
      <Header />
      {footer && <Footer />}
    </>
  );
}

mount(() => <Page />);
