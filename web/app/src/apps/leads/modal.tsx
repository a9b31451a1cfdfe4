// Modal: a native <dialog> opened with showModal(), so the page behind is
// inert and the focus stays inside; Escape and a click on the backdrop
// close it; the focus goes back where it was.
import { useEffect, useRef, type ReactNode } from 'react';

export interface ModalProps {
  labelledBy: string;
  describedBy?: string;
  className?: string;
  onClose: () => void;
  children: ReactNode;
}

export function Modal({ labelledBy, describedBy, className, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const closing = useRef(false);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const d = ref.current!;
    const before = d.ownerDocument.activeElement as HTMLElement | null;
    if (typeof d.showModal === 'function') {
      if (!d.open) d.showModal();
    } else {
      d.setAttribute('open', ''); // no showModal (jsdom)
    }
    d.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      if (d.open && typeof d.close === 'function') d.close();
      if (before?.isConnected && before !== d.ownerDocument.body) before.focus();
    };
  }, []);

  const close = () => {
    if (closing.current) return;
    closing.current = true;
    onCloseRef.current();
    setTimeout(() => (closing.current = false), 0);
  };

  return (
    <dialog
      ref={ref}
      className={`leads-modal ${className ?? ''}`}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          close();
        }
      }}
      onMouseDown={(e) => {
        // The backdrop is the dialog itself (its content fills it).
        if (e.target === ref.current) close();
      }}
    >
      <div className="leads-modal__body">{children}</div>
    </dialog>
  );
}
