// The near miss: the same feed and table, each row selecting its own price
// (`useMarket((s) => s.prices[symbol])`), so a quote re-renders one row.
import React from 'react';
import { mount } from './_app.jsx';
import { useMarket, Table, startFeed } from './_market.jsx';

function QuoteRow({ symbol }) {
  const price = useMarket((s) => s.prices[symbol]);
  return <tr><td>{symbol}</td><td>{price.toFixed(2)}</td></tr>;
}

window.startFeed = startFeed;
mount(() => <Table Row={QuoteRow} />);
