// React Query's mutation pattern: the user adds two todos at a quick pace; each
// `POST /api/libs/todos` is followed by `invalidateQueries`, which reads the list
// again. The near miss: the list read after each write is no duplicate.
import React, { useState } from 'react';
import { QueryClient, QueryClientProvider, useQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();

function Todos() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['todos'], queryFn: () => fetch('/api/libs/todos').then((r) => r.json()) });
  const add = useMutation({
    mutationFn: (title) => fetch('/api/libs/todos', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) }).then((r) => r.json()),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['todos'] }),
  });
  const [added, setAdded] = useState(0);
  window.addTodo = (title) => add.mutateAsync(title).then(() => setAdded((n) => n + 1));
  window.todosShown = list.data ? list.data.length : 0;
  return <p id="todos">{added} added</p>;
}

mount(() => (
  <QueryClientProvider client={client}>
    <Todos />
  </QueryClientProvider>
));
