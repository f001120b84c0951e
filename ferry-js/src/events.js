// A minimal event target shared by the client and the WebSocket look-alikes: addEventListener,
// removeEventListener, dispatchEvent, and the on<type> properties of the WebSocket API.

export class Emitter {
  constructor() {
    Object.defineProperty(this, '_listeners', { value: new Map(), enumerable: false });
  }

  addEventListener(type, listener, options) {
    if (typeof listener !== 'function' && !(listener && typeof listener.handleEvent === 'function')) return;
    let set = this._listeners.get(type);
    if (!set) this._listeners.set(type, (set = new Set()));
    if (options && options.once) {
      const wrapper = (e) => {
        set.delete(wrapper);
        return typeof listener === 'function' ? listener.call(this, e) : listener.handleEvent(e);
      };
      set.add(wrapper);
      return;
    }
    set.add(listener);
  }

  removeEventListener(type, listener) {
    const set = this._listeners.get(type);
    if (set) set.delete(listener);
  }

  /** Calls the on<type> property, then every listener; a throwing listener does not stop the others. */
  dispatchEvent(event) {
    if (!event.target) event.target = this;
    const prop = this['on' + event.type];
    const all = [];
    if (typeof prop === 'function') all.push(prop);
    const set = this._listeners.get(event.type);
    if (set) all.push(...set);
    for (const l of all) {
      try {
        if (typeof l === 'function') l.call(this, event);
        else l.handleEvent(event);
      } catch (e) {
        setTimeout(() => { throw e; }, 0);
      }
    }
    return true;
  }

  /** Shorthand: on(type, fn) is addEventListener with fn(detail) called with the event's detail. */
  on(type, fn) {
    const l = (e) => fn(e.detail, e);
    l.original = fn;
    this.addEventListener(type, l);
    return () => this.removeEventListener(type, l);
  }

  emit(type, detail) {
    this.dispatchEvent({ type, detail });
  }
}
