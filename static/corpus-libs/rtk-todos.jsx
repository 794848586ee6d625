// The near miss: RTK Query's tags. Each added todo (a POST) invalidates the `Todo`
// tag, so the list is read again: a read after a write, no duplicate. Two
// components read the list through one cache entry: one request.
import React, { useState } from 'react';
import { api, mountStore } from './_rtk.jsx';

function Count() {
  const { data } = api.useTodosQuery();
  return <span id="count">{data ? data.length : 0}</span>;
}

function Todos() {
  const list = api.useTodosQuery();
  const [addTodo] = api.useAddTodoMutation();
  const [added, setAdded] = useState(0);
  window.addTodo = (title) => addTodo(title).unwrap().then(() => setAdded((n) => n + 1));
  window.todosShown = list.data ? list.data.length : 0;
  return <p id="todos">{added} added, <Count /> in the list</p>;
}

mountStore(Todos);
