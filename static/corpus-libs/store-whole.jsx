// zustand without a selector: each row reads the whole store (`useMarket()`), so
// every quote re-renders all 120 rows although one price changed: a re-render
// storm the audits call "everything re-renders on any change".
import React from 'react';
import { mount } from './_app.jsx';
import { useMarket, Table, startFeed } from './_market.jsx';

function QuoteRow({ symbol }) {
  const { prices } = useMarket();
  return <tr><td>{symbol}</td><td>{prices[symbol].toFixed(2)}</td></tr>;
}

window.startFeed = startFeed;
mount(() => <Table Row={QuoteRow} />);
