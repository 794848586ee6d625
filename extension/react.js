// Stormwatch React hook. Runs in the page's own world at document_start, right
// after hook.js, before React loads. It counts renders from each React commit
// (`onCommitFiberRoot`): which components rendered, how often, and why. Summaries
// go out every WINDOW_MS through hook.js's batch stream, never one event per fiber.
//
// React looks for `__REACT_DEVTOOLS_GLOBAL_HOOK__` once, when its bundle runs.
// - If nobody defined it, we define one that behaves like React DevTools' own
//   (renderers, rendererInterfaces, on/off/sub/emit, inject, getFiberRoots...), so
//   React DevTools, which skips installing when the property exists, still works.
// - If someone did (React DevTools, react-refresh, another tool), we chain into
//   their `onCommitFiberRoot` and change nothing else.
// We only read fibers; we never call into React (no injectProfilingHooks).
(() => {
  'use strict';

  const KEY = '__REACT_DEVTOOLS_GLOBAL_HOOK__';
  const PROBE_EVENT = '__stormwatch_react_probe__';
  const WINDOW_MS = 200;
  const MAX_FIBERS_PER_COMMIT = 20000;
  const MAX_COMPONENTS_PER_WINDOW = 300;
  const MAX_KEYS_PER_COMPONENT = 8;
  const MAX_EFFECTS_PER_COMPONENT = 4;
  const MAX_REQUEST_IDS_PER_EFFECT = 8;
  const SOURCE_CHARS = 80;
  const PREVIEW_CHARS = 40;

  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const CustomEventCtor = CustomEvent;
  const setTimer = setTimeout;
  const MessageChannelCtor = MessageChannel;
  const clearTimer = clearTimeout;
  const hasOwn = Object.prototype.hasOwnProperty;
  const defineProperty = Object.defineProperty;
  const getPrototypeOf = Object.getPrototypeOf;
  const objectKeys = Object.keys;
  const isArray = Array.isArray;
  const ObjectProto = Object.prototype;
  const MapCtor = Map;
  const SetCtor = Set;
  const fnToString = Function.prototype.toString;
  const stringify = JSON.stringify;
  const perf = performance;
  const perfNow = perf.now.bind(perf);

  // Injected twice (the extension reloaded under an open page): the first copy keeps counting.
  if (!Reflect.apply(dispatch, doc, [new CustomEventCtor(PROBE_EVENT, { cancelable: true })])) return;
  Reflect.apply(listen, doc, [PROBE_EVENT, (e) => e.preventDefault()]);

  const ask = {};
  Reflect.apply(dispatch, doc, [new CustomEventCtor('__stormwatch_emitter__', { detail: ask })]);
  const emit = ask.emit;
  const now = ask.now;
  const flushBatch = typeof ask.flush === 'function' ? ask.flush : () => {};
  // Adds to what hook.js reports as the instrumentation's cost to the page.
  const addCost = typeof ask.cost === 'function' ? ask.cost : () => {};
  // The latest request id hook.js gave out (requests sent by effects lie between two readings).
  const lastRequest = typeof ask.lastRequest === 'function' ? ask.lastRequest : null;
  if (typeof emit !== 'function' || typeof now !== 'function') return;

  // ---- the events --------------------------------------------------------------
  // One constructor per shape sent, keys in the order of the Rust structs
  // (src/model/event.rs: ReactRenderer, ReactRenders, ComponentRenders, ChangedKey) and
  // every key always present: see "the events" in hook.js, and the goldens in
  // tests/fixtures/wire/events/.
  const reactRenderer = (t, id, version, pkg, bundleType) =>
    ({ type: 'react_renderer', t, id, version, package: pkg, bundle_type: bundleType });
  const reactRenders = (t, tEnd, commits, skippedFibers, componentsNotSent, hookMs, components) =>
    ({ type: 'react_renders', t, t_end: tEnd, commits, skipped_fibers: skippedFibers, components_not_sent: componentsNotSent, hook_ms: hookMs, components });
  const componentRenders = (name, renders, commits, repeats, mounts, props, state, context, parent, unnecessary, selfMs, memo, owner, keys, effects) =>
    ({ name, renders, commits, repeats, mounts, props, state, context, parent, unnecessary, self_ms: selfMs, memo, owner, keys, effects });
  const effectRuns = (index, kind, runs, same, dep, from, to, source, requests, requestIds, updates) =>
    ({ index, kind, runs, same, dep, from, to, source, requests, request_ids: requestIds, updates });
  const changedKey = (kind, key, count, equal, from, to) => ({ kind, key, count, equal, from, to });

  // ---- fibers ------------------------------------------------------------------
  // Fiber tags of components that render (same numbers in React 16-19).
  const FUNCTION = 0, CLASS = 1, INDETERMINATE = 2, FORWARD_REF = 11, MEMO = 14, SIMPLE_MEMO = 15;
  // A bit per tag: one shift and mask per fiber instead of a Set lookup.
  const COMPOSITE = (1 << FUNCTION) | (1 << CLASS) | (1 << INDETERMINATE) | (1 << FORWARD_REF) | (1 << SIMPLE_MEMO);
  const PERFORMED_WORK = 1;
  // An effect hook's tag (React 17-19): HasEffect when it runs in this commit, and its kind.
  const HOOK_HAS_EFFECT = 1, HOOK_INSERTION = 2, HOOK_LAYOUT = 4, HOOK_PASSIVE = 8;

  // Per component type: its display name, and its counts in the current window
  // (`win` tells whether `e` belongs to this window), so a render costs one lookup.
  const types = new WeakMap();
  function infoOf(fiber) {
    const type = fiber.type;
    if (type == null || (typeof type !== 'function' && typeof type !== 'object')) return anonymous;
    let info = types.get(type);
    if (info !== undefined) return info;
    const elementType = fiber.elementType;
    let name;
    if (fiber.tag === FORWARD_REF) {
      const inner = type.render;
      name = type.displayName || (inner && (inner.displayName || inner.name)) || 'ForwardRef';
    } else {
      name = (elementType && elementType !== type && elementType.displayName) || type.displayName || type.name || 'Anonymous';
    }
    info = { name: String(name).slice(0, 100), e: null, win: -1, last: undefined };
    types.set(type, info);
    return info;
  }
  const anonymous = { name: 'Anonymous', e: null, win: -1, last: undefined };

  // React 16 called the flags `effectTag`; 17 and later `flags`.
  function performedWork(fiber) {
    const flags = fiber.flags;
    return ((flags === undefined ? fiber.effectTag : flags) & PERFORMED_WORK) === PERFORMED_WORK;
  }

  // ---- comparing values without side effects --------------------------------------
  // Plain data only: own data properties of plain objects and arrays, React elements
  // by type, key and props, functions by their source text. Accessors, class
  // instances, Maps and cycles are "not known equal". The budget bounds the work.
  function plain(v) {
    if (isArray(v)) return true;
    const proto = getPrototypeOf(v);
    return proto === ObjectProto || proto === null;
  }

  function sameContent(a, b, depth, budget) {
    if (a === b) return true;
    if (budget.left-- <= 0 || depth > 4) return false;
    const ta = typeof a;
    if (ta !== typeof b || a === null || b === null) return false;
    if (ta === 'function') {
      return a.length === b.length && a.name === b.name &&
        Reflect.apply(fnToString, a, []) === Reflect.apply(fnToString, b, []);
    }
    if (ta !== 'object') return ta === 'number' && a !== a && b !== b; // NaN
    // Only plain data is read (React elements are plain objects too), so class
    // instances and store proxies see no property reads from us.
    if (!plain(a) || !plain(b) || isArray(a) !== isArray(b)) return false;
    if (a.$$typeof !== undefined || b.$$typeof !== undefined) {
      return a.$$typeof === b.$$typeof && a.type === b.type && a.key === b.key && sameContent(a.props, b.props, depth + 1, budget);
    }
    const ka = objectKeys(a), kb = objectKeys(b);
    if (ka.length !== kb.length || ka.length > 50) return false;
    for (const k of ka) {
      if (!hasOwn.call(b, k)) return false;
      const da = Reflect.getOwnPropertyDescriptor(a, k), db = Reflect.getOwnPropertyDescriptor(b, k);
      if (!da || !db || !('value' in da) || !('value' in db)) return false;
      if (!sameContent(da.value, db.value, depth + 1, budget)) return false;
    }
    return true;
  }

  // Deep equality for a changed slot; primitives that differ are never equal (NaN aside).
  function equalContent(a, b) {
    const t = typeof a;
    if (t !== 'object' && t !== 'function') return t === 'number' && a !== a && b !== b;
    return a !== null && sameContent(a, b, 0, { left: 200 });
  }

  // A short text for a changed value, from what was there to what is there now.
  function preview(v) {
    try {
      switch (typeof v) {
        case 'string': return clip(stringify(v));
        case 'number': case 'boolean': case 'undefined': return String(v);
        case 'bigint': return v + 'n';
        case 'symbol': return 'Symbol()';
        case 'function': return 'ƒ ' + (v.name || 'anonymous') + '()';
        default:
          if (v === null) return 'null';
          if (v.$$typeof !== undefined) return '<element>';
          if (isArray(v)) return '[' + v.length + ' items]';
          if (!plain(v)) return '{…}';
          return clip('{' + objectKeys(v).slice(0, 6).join(', ') + (objectKeys(v).length > 6 ? ', …' : '') + '}');
      }
    } catch (_) {
      return '?';
    }
  }
  const clip = (s, n = PREVIEW_CHARS) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

  // ---- one commit ----------------------------------------------------------------
  let stats = new MapCtor(); // component name -> counts for the current window
  let windowSeq = 0;
  let windowStart = 0;
  let commits = 0;
  let skipped = 0;
  let notSent = 0;
  let spentMs = 0;
  let commitSeq = 0;
  let timer = 0;

  function entry(name) {
    let e = stats.get(name);
    if (!e) {
      e = {
        name, renders: 0, commits: 0, repeats: 0, mounts: 0, props: 0, state: 0, context: 0, parent: 0, unnecessary: 0,
        self_ms: null, owner: null, props_keys: new MapCtor(), state_keys: new MapCtor(), lastCommit: 0, memo: false,
        effects: new MapCtor(),
      };
      stats.set(name, e);
    }
    return e;
  }

  // Remembers the last change of a key (the values themselves, previewed at flush).
  function noteKey(map, key, from, to, equal) {
    let k = map.get(key);
    if (k === undefined) {
      if (map.size >= MAX_KEYS_PER_COMPONENT) return;
      k = { count: 0, equal: 0, from: undefined, to: undefined };
      map.set(key, k);
    }
    k.count++;
    if (equal) k.equal++;
    k.from = from;
    k.to = to;
  }

  // Why a fiber rendered again; records changed keys. Returns whether the render
  // changed nothing (props and state deep-equal to the previous ones).
  function explain(fiber, prev, e) {
    let changedState = false, realState = false, context = false;
    if (fiber.tag === CLASS) {
      const a = prev.memoizedState, b = fiber.memoizedState;
      if (a !== b) {
        changedState = true;
        if (a && b && typeof a === 'object' && typeof b === 'object') {
          for (const k of objectKeys(b)) {
            if (a[k] !== b[k]) {
              const eq = equalContent(a[k], b[k]);
              if (!eq) realState = true;
              noteKey(e.state_keys, k, a[k], b[k], eq);
            }
          }
        } else {
          realState = true;
        }
      }
    } else {
      // Hooks with an update queue hold state (useState, useReducer, useSyncExternalStore).
      let h = fiber.memoizedState, p = prev.memoizedState, i = 0;
      while (h && p && typeof h === 'object' && typeof p === 'object' && i < 100) {
        if (h.queue != null && h.memoizedState !== p.memoizedState) {
          changedState = true;
          const eq = equalContent(p.memoizedState, h.memoizedState);
          if (!eq) realState = true;
          // useSyncExternalStore keeps its getSnapshot in the queue: the component
          // reads a store (zustand, Redux, valtio), not state it sets itself.
          noteKey(e.state_keys, (h.queue.getSnapshot ? 'store ' : 'hook ') + i, p.memoizedState, h.memoizedState, eq);
        } else {
          const fx = effectOfHook(h);
          if (fx !== null && (fx.tag & HOOK_HAS_EFFECT) !== 0) noteEffect(e, i, fx, p.memoizedState);
        }
        h = h.next;
        p = p.next;
        i++;
      }
    }
    // Context values read by this component (React 18+ keeps each one read).
    const deps = fiber.dependencies, prevDeps = prev.dependencies;
    if (deps && prevDeps) {
      let c = deps.firstContext, pc = prevDeps.firstContext;
      while (c && pc) {
        if ('memoizedValue' in c && c.memoizedValue !== pc.memoizedValue) context = true;
        c = c.next;
        pc = pc.next;
      }
    }
    const a = prev.memoizedProps, b = fiber.memoizedProps;
    let changedProps = false, realProps = false;
    if (a !== b && a && b && typeof a === 'object' && typeof b === 'object') {
      // for-in over plain props objects walks V8's enum cache: no key arrays allocated.
      let nb = 0, na = 0;
      for (const k in b) {
        nb++;
        const x = a[k], y = b[k];
        if (x !== y) {
          changedProps = true;
          const eq = equalContent(x, y);
          if (!eq) realProps = true;
          noteKey(e.props_keys, k, x, y, eq);
        }
      }
      for (const k in a) na++;
      if (na > nb || (na === nb && changedProps && !realProps)) {
        // A prop was removed (or may have been): look for it.
        for (const k in a) {
          if (!hasOwn.call(b, k)) {
            changedProps = realProps = true;
            noteKey(e.props_keys, k, a[k], undefined, false);
          }
        }
      }
    }
    if (changedState) e.state++;
    if (context) e.context++;
    if (changedProps) e.props++;
    if (!changedState && !context && !changedProps) {
      // Same props object and no state change: a context we cannot see (React 17),
      // forceUpdate, or the parent re-rendered with shallow-equal props.
      if (a === b) e.context++;
      else e.parent++;
    }
    // Unnecessary: nothing real changed, and the render was not forced from outside
    // what we can see (same props object, no state change).
    return !realState && !realProps && !context && !(a === b && !changedState);
  }

  // Effects that run in this commit: avoidable ones (every dependency that changed
  // has the same content: a new object, array or function) and whether any other
  // passive effect runs too (a mount's, or one whose dependency really changed).
  // When only avoidable ones run, the requests sent while they run are theirs.
  let avoidable = [];
  let otherEffects = false;
  // Effects without a dependency array that run in this commit.
  let loose = [];

  // An effect that runs again in this commit (the component did not mount).
  function noteEffect(e, index, fx, before) {
    const passive = (fx.tag & HOOK_PASSIVE) !== 0;
    const deps = fx.deps;
    const old = before !== null && typeof before === 'object' ? before.deps : null;
    // No dependency array: runs after every render by design (the "latest ref"
    // pattern libraries use). Told only when it is the one effect of its commit
    // and its runs send requests or set state: a fetch in an effect that forgot
    // its array, a loop.
    if (deps === null || deps === undefined) {
      if (!passive) return;
      const k = effectOf(e, index, fx);
      if (k === null) {
        otherEffects = true;
        return;
      }
      k.runs++;
      k.same++;
      k.noDeps = true;
      k.create = fx.create;
      // Once per effect record: instances of one component share it.
      if (!loose.includes(k)) loose.push(k);
      return;
    }
    if (!isArray(deps) || !isArray(old) || deps.length !== old.length || deps.length > 50) {
      if (passive) otherEffects = true;
      return;
    }
    let dep = -1;
    for (let j = 0; j < deps.length; j++) {
      const x = old[j], y = deps[j];
      if (x === y || (x !== x && y !== y)) continue;
      if (!equalContent(x, y)) {
        dep = -2;
        break;
      }
      if (dep === -1) dep = j;
    }
    const k = effectOf(e, index, fx);
    if (k === null) {
      if (passive) otherEffects = true;
      return;
    }
    k.runs++;
    if (dep < 0) {
      if (passive) otherEffects = true;
      return;
    }
    k.same++;
    k.dep = dep;
    k.from = old[dep];
    k.to = deps[dep];
    k.create = fx.create;
    // Once per effect record: instances of one component share it, and each
    // request of the commit is counted once.
    if (passive && !avoidable.includes(k)) avoidable.push(k);
  }

  // The window's record of a component's effect hook (null past the cap).
  function effectOf(e, index, fx) {
    let k = e.effects.get(index);
    if (k === undefined) {
      if (e.effects.size >= MAX_EFFECTS_PER_COMPONENT) return null;
      k = {
        kind: (fx.tag & HOOK_PASSIVE) !== 0 ? 'useEffect' : (fx.tag & HOOK_LAYOUT) !== 0 ? 'useLayoutEffect' : (fx.tag & HOOK_INSERTION) !== 0 ? 'useInsertionEffect' : 'effect',
        runs: 0, same: 0, dep: -1, noDeps: false, from: undefined, to: undefined, create: null, requests: 0, ids: [], updates: 0,
      };
      e.effects.set(index, k);
    }
    return k;
  }

  // The source text an effect starts with, on one line: where to find it.
  function sourceOf(create) {
    if (typeof create !== 'function') return '';
    try {
      return clip(String(Reflect.apply(fnToString, create, [])).replace(/\s+/g, ' '), SOURCE_CHARS);
    } catch (_) {
      return '';
    }
  }

  function record(fiber, info, owner) {
    if (info.win !== windowSeq) {
      info.e = entry(info.name);
      info.win = windowSeq;
    }
    const e = info.e;
    e.renders++;
    if (fiber.tag === SIMPLE_MEMO || (fiber.return && fiber.return.tag === MEMO)) e.memo = true;
    if (e.lastCommit !== commitSeq) {
      e.lastCommit = commitSeq;
      e.commits++;
      // Is the first instance rendered in this commit the one rendered first the
      // last time (same key, or same position)? A ticker is; 120 rows that each
      // render once when their own value changes take turns, and their component's
      // commit rate is no one instance's. Keys and positions, not fibers, are kept
      // between commits. A component's first commit counts as a repeat, as every
      // commit did before this was told.
      const id = fiber.key !== null ? fiber.key : fiber.index;
      if (id === info.last || info.last === undefined) e.repeats++;
      info.last = id;
    }
    if (typeof fiber.selfBaseDuration === 'number') e.self_ms = (e.self_ms || 0) + fiber.selfBaseDuration;
    const prev = fiber.alternate;
    if (!prev) {
      e.mounts++;
      if (!otherEffects && fiber.tag !== CLASS && mountsPassiveEffect(fiber)) otherEffects = true;
      return;
    }
    if (explain(fiber, prev, e)) e.unnecessary++;
    if (owner !== null) e.owner = owner;
  }

  // Whether a mounting component has a passive effect (its first run comes with this commit's).
  function mountsPassiveEffect(fiber) {
    for (let h = fiber.memoizedState, i = 0; h && typeof h === 'object' && i < 100; h = h.next, i++) {
      const fx = effectOfHook(h);
      if (fx !== null && (fx.tag & HOOK_PASSIVE) !== 0) return true;
    }
    return false;
  }

  // The effect a hook holds (`{tag, create, deps}`, no update queue), or null.
  function effectOfHook(h) {
    if (h.queue != null) return null;
    const fx = h.memoizedState;
    return fx !== null && typeof fx === 'object' && typeof fx.tag === 'number' && typeof fx.create === 'function' ? fx : null;
  }

  // Walks the fibers that took part in this commit. A subtree whose child list is
  // the previous one bailed out (nothing in it rendered), so it is not entered.
  const fibers = [], owners = [];
  function walk(top) {
    try {
      walkFrom(top);
    } finally {
      // Never keep the page's tree alive between commits, even after an error.
      fibers.length = owners.length = 0;
    }
  }

  function walkFrom(top) {
    let visited = 0;
    fibers.push(top);
    owners.push(null);
    while (fibers.length > 0) {
      const fiber = fibers.pop();
      const owner = owners.pop();
      if (++visited > MAX_FIBERS_PER_COMMIT) {
        skipped += fibers.length + 1;
        break;
      }
      const prev = fiber.alternate;
      let childOwner = owner;
      const tag = fiber.tag;
      if (tag < 31 && ((COMPOSITE >>> tag) & 1) === 1 && (!prev || performedWork(fiber))) {
        const info = infoOf(fiber);
        record(fiber, info, owner);
        childOwner = info.name;
      }
      const child = fiber.child;
      if (child && !(prev && prev.child === child)) {
        for (let c = child; c; c = c.sibling) {
          fibers.push(c);
          owners.push(childOwner);
        }
      }
    }
  }

  const renderersSeen = new SetCtor();
  function noteRenderer(hook, id) {
    if (renderersSeen.has(id)) return;
    renderersSeen.add(id);
    const r = hook.renderers && typeof hook.renderers.get === 'function' ? hook.renderers.get(id) : null;
    emit(reactRenderer(now(), Number(id) || 0,
      r && typeof r.version === 'string' ? r.version.slice(0, 40) : '',
      r && typeof r.rendererPackageName === 'string' ? r.rendererPackageName.slice(0, 60) : '',
      // React marks its builds: 0 production, 1 development.
      r && typeof r.bundleType === 'number' ? r.bundleType : null));
  }

  // The avoidable effects of the last commit, waiting for their run to end, and the
  // latest request id before they ran.
  let bracket = null;
  // After the passive effects ran (React 18+ calls onPostCommitFiberRoot): the
  // requests sent from then until the task and its promise callbacks are done
  // (axios, for one, sends from a promise callback) were theirs. React 17 never
  // calls it; the next commit drops the bracket with nothing counted.
  function onPostCommit(root) {
    if (bracket === null || lastRequest === null) return;
    const t0 = perfNow();
    try {
      // An update the effects scheduled as they ran (a setState in the effect's own
      // body, not in a promise callback after it) adds its lane to the root's pending
      // ones: a render more, caused by the avoidable runs.
      if ((lanesOf(root) & ~bracket.lanes) !== 0) for (const k of bracket.effects) k.updates++;
      settling.push(bracket);
      // A message task, not a timer: a timer would take an id the page's next
      // setTimeout would otherwise get.
      if (channel === null) {
        channel = new MessageChannelCtor();
        channel.port1.onmessage = () => {
          // Each commit's effects own the requests up to the next commit's.
          const list = settling.splice(0);
          for (let i = 0; i < list.length; i++) settle(list[i], i + 1 < list.length ? list[i + 1].from : null);
        };
      }
      if (settling.length === 1) channel.port2.postMessage(null);
    } catch (_) {
      // Count nothing: React would report an error thrown here on the page's console.
    } finally {
      bracket = null;
      addCost(perfNow() - t0);
    }
  }
  let channel = null;
  const settling = [];
  // The lanes (React 17+) with work scheduled on a root.
  function lanesOf(root) {
    const lanes = root !== null && typeof root === 'object' ? root.pendingLanes : 0;
    return typeof lanes === 'number' ? lanes : 0;
  }
  function settle(b, until) {
    const t0 = perfNow();
    try {
      const to = until === null ? lastRequest() : until;
      if (to <= b.from) return;
      for (const k of b.effects) {
        k.requests += to - b.from;
        for (let id = b.from + 1; id <= to && k.ids.length < MAX_REQUEST_IDS_PER_EFFECT; id++) k.ids.push(id);
      }
    } catch (_) { /* count nothing */ } finally {
      addCost(perfNow() - t0);
    }
  }
  // The last commit counted: a hook that forwards to another hook we also wrapped
  // would report the same commit twice.
  let lastCurrent = null;
  function onCommit(hook, rendererID, root) {
    const t0 = perfNow();
    try {
      const current = root && root.current;
      if (!current || current === lastCurrent) return;
      lastCurrent = current;
      noteRenderer(hook, rendererID);
      if (commits === 0 && stats.size === 0) windowStart = now();
      if (!timer) timer = setTimer(flush, WINDOW_MS);
      commits++;
      commitSeq++;
      bracket = null; // the last commit's, which ran no passive effect
      avoidable = [];
      loose = [];
      otherEffects = false;
      walk(current);
      // The passive effects run after this (React calls onPostCommitFiberRoot then).
      // Theirs only when nothing else runs: avoidable runs, or one effect without a
      // dependency array alone. Beside avoidable runs, effects without an array are
      // taken for what they mostly are (keeping a ref or the title up to date,
      // sending nothing): a page's own or a library's would otherwise hide every
      // avoidable run in the same commits.
      const only = avoidable.length > 0 ? avoidable : loose.length === 1 ? loose : [];
      if (only.length > 0 && !otherEffects && lastRequest !== null) {
        bracket = { effects: only, from: lastRequest(), lanes: lanesOf(root) };
      }
      avoidable = [];
      loose = [];
    } catch (_) {
      // A fiber shape we do not know: count nothing rather than break the commit.
    } finally {
      const d = perfNow() - t0;
      spentMs += d;
      addCost(d);
    }
  }

  function flush() {
    timer = 0;
    const t0 = perfNow();
    try {
      const all = [...stats.values()].sort((a, b) => b.renders - a.renders);
      const sent = all.slice(0, MAX_COMPONENTS_PER_WINDOW);
      notSent += all.length - sent.length;
      emit(reactRenders(windowStart, now(), commits, skipped, notSent, Math.round(spentMs * 1000) / 1000,
        sent.map((e) => componentRenders(e.name, e.renders, e.commits, e.repeats, e.mounts, e.props, e.state, e.context, e.parent,
          e.unnecessary, e.self_ms === null ? null : Math.round(e.self_ms * 1000) / 1000, e.memo, e.owner, keysOf(e), effectsOf(e)))));
    } catch (_) { /* drop the window */ }
    // The previewed values are page objects: let them go with the window.
    for (const e of stats.values()) {
      e.props_keys.clear();
      e.state_keys.clear();
      e.effects.clear();
    }
    stats = new MapCtor();
    windowSeq++;
    addCost(perfNow() - t0);
    lastCurrent = null;
    commits = skipped = notSent = 0;
    spentMs = 0;
  }

  // Effects that re-ran with dependencies of the same content (or with none, and did
  // something) in this window.
  function effectsOf(e) {
    const out = [];
    for (const [index, k] of e.effects) {
      if (k.same === 0) continue;
      // Without a dependency array, running is what it is for: sent only when it did something.
      if (k.noDeps && k.requests === 0 && k.updates === 0) continue;
      out.push(effectRuns(index, k.kind, k.runs, k.same, k.noDeps ? null : k.dep,
        k.noDeps ? '' : preview(k.from), k.noDeps ? '' : preview(k.to), sourceOf(k.create), k.requests, k.ids, k.updates));
    }
    return out;
  }

  // Previews are made once per window, not on every change.
  function keysOf(e) {
    const out = [];
    for (const [kind, map] of [['props', e.props_keys], ['state', e.state_keys]]) {
      for (const [key, k] of map) {
        out.push(changedKey(kind, key, k.count, k.equal, preview(k.from), preview(k.to)));
      }
    }
    return out;
  }

  // ---- the global hook ---------------------------------------------------------------
  const chained = new WeakSet();
  // Someone else's hook (React DevTools, react-refresh...): wrap its
  // onCommitFiberRoot, theirs first, ours after. React looks the method up on each
  // commit, so wrapping after React loaded still counts from the next commit.
  function chain(hook) {
    if (!hook || typeof hook !== 'object' || chained.has(hook)) return;
    chained.add(hook);
    try {
      const theirs = hook.onCommitFiberRoot;
      if (typeof theirs !== 'function') return;
      hook.onCommitFiberRoot = function onCommitFiberRoot(rendererID, root) {
        try {
          return Reflect.apply(theirs, this, arguments);
        } finally {
          onCommit(hook, rendererID, root);
        }
      };
      // Only where they have one: React looks it up on each commit, and a hook
      // without it is left as its owner made it.
      const theirsPost = hook.onPostCommitFiberRoot;
      if (typeof theirsPost === 'function') {
        hook.onPostCommitFiberRoot = function onPostCommitFiberRoot(rendererID, root) {
          try {
            return Reflect.apply(theirsPost, this, arguments);
          } finally {
            onPostCommit(root);
          }
        };
      }
    } catch (_) { /* a frozen hook: nothing to count */ }
  }

  // Our own hook, for pages where nobody else defines one. It has React DevTools'
  // event API (on/off/sub/emit, renderers, getFiberRoots) for tools that expect it.
  function makeHook() {
    const listeners = {};
    const renderers = new MapCtor();
    const rendererInterfaces = new MapCtor();
    const roots = {};
    let uid = 0;
    const hook = {
      rendererInterfaces,
      listeners,
      backends: new MapCtor(),
      renderers,
      hasUnsupportedRendererAttached: false,
      supportsFiber: true,
      supportsFlight: true,
      inject(renderer) {
        const id = ++uid;
        renderers.set(id, renderer);
        const reactBuildType = renderer && renderer.bundleType === 0 ? 'production' : 'development';
        hook.emit('renderer', { id, renderer, reactBuildType });
        return id;
      },
      on(event, fn) {
        (listeners[event] || (listeners[event] = [])).push(fn);
      },
      off(event, fn) {
        const list = listeners[event];
        if (!list) return;
        const i = list.indexOf(fn);
        if (i !== -1) list.splice(i, 1);
        if (list.length === 0) delete listeners[event];
      },
      sub(event, fn) {
        hook.on(event, fn);
        return () => hook.off(event, fn);
      },
      emit(event, data) {
        const list = listeners[event];
        if (list) for (const fn of list.slice()) fn(data);
      },
      // Roots are not kept (React DevTools keeps them for its tree; nobody uses
      // ours for that, and keeping them would hold on to discarded trees).
      getFiberRoots(id) {
        return roots[id] || (roots[id] = new SetCtor());
      },
      checkDCE() { /* React DevTools warns about dead code left in; not our business */ },
      onCommitFiberUnmount() {},
      onCommitFiberRoot(id, root) {
        onCommit(hook, id, root);
      },
      onPostCommitFiberRoot(id, root) {
        onPostCommit(root);
      },
    };
    chained.add(hook);
    return hook;
  }

  // React DevTools installs its hook only where `window` has no own property of
  // that name, and attaches to React only from inside its own hook, so a hook
  // defined first as an own property would blind it (react-scan #161, #404, #443).
  // Ours therefore sits on Window.prototype: React finds it by the global name when
  // nobody else defines one; anyone who does (DevTools by defineProperty, a page by
  // assignment) gets an own property that shadows it, and we chain into that.
  let ours = null;
  function adoptShadowing() {
    try {
      if (!hasOwn.call(window, KEY)) return;
      const hook = window[KEY];
      if (hook === ours || chained.has(hook)) return;
      chain(hook);
      // Renderers that injected before we noticed.
      if (hook && hook.renderers && typeof hook.renderers.forEach === 'function') {
        hook.renderers.forEach((_, id) => noteRenderer(hook, id));
      }
    } catch (_) { /* leave it */ }
  }

  try {
    if (hasOwn.call(window, KEY)) {
      chain(window[KEY]);
    } else {
      ours = makeHook();
      const proto = getPrototypeOf(window);
      defineProperty(proto, KEY, {
        configurable: true,
        enumerable: false,
        get() { return ours; },
        set(value) {
          // Behave as if we were not here: the assignment creates the page's own property.
          defineProperty(this, KEY, { value, writable: true, enumerable: true, configurable: true });
          adoptShadowing();
        },
      });
      // Someone may define theirs after us. Look before each script the parser runs
      // (mutation callbacks run first), at load, and now and then after.
      const observer = new MutationObserver(adoptShadowing);
      observer.observe(doc, { childList: true, subtree: true });
      Reflect.apply(listen, window, ['load', () => {
        observer.disconnect();
        adoptShadowing();
        // A hook defined later than that is rare; stop looking after 30 s.
        let left = 30;
        const again = () => {
          adoptShadowing();
          if (--left > 0 && !hasOwn.call(window, KEY)) setTimer(again, 1000);
        };
        setTimer(again, 1000);
      }, { once: true, passive: true }]);
    }
  } catch (_) { /* the property is locked: leave React to whoever owns it */ }

  // Send what is counted before the page goes away.
  Reflect.apply(listen, window, ['pagehide', () => {
    if (!timer) return;
    clearTimer(timer);
    flush();
    flushBatch();
  }, { capture: true, passive: true }]);
})();
