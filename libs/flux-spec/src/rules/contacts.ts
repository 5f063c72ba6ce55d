/** Contacts (v5+): at most 5, each at most 75 characters. */
import { reject } from '../errors';
import { CONTACT_MAX, CONTACTS_MAX } from '../limits';

export function checkContacts(contacts: string[]): void {
  if (contacts.length > CONTACTS_MAX) reject('contacts.tooMany', 'contacts', `has ${contacts.length} entries; at most ${CONTACTS_MAX} are allowed`);
  contacts.forEach((c, i) => {
    if (c.length > CONTACT_MAX) reject('contacts.tooLong', `contacts[${i}]`, `is longer than ${CONTACT_MAX} characters`);
  });
}
