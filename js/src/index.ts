// anywidget entry point: wiring only.
import { bindModel, createSession, findSession, type NblModel } from "./model";
import { mountView } from "./view";

function initialize({ model }: { model: NblModel }): () => void {
  const session = createSession(model);
  return () => session.dispose();
}

function render({ model, el }: { model: NblModel; el: HTMLElement }): () => void {
  let session = findSession(model);
  // Hosts that skip `initialize` still work: the view then owns its session.
  const owned = session ? null : (session = bindModel(model));
  const view = mountView(el, session.state);
  return () => {
    view.destroy();
    owned?.dispose();
  };
}

export default { initialize, render };
