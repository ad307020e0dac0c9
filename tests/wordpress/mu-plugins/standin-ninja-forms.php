<?php
/**
 * Stand-in for Ninja Forms (test only; see standin-common.php). Shapes: class Ninja_Forms with
 * const VERSION; $form_data with form_id, settings.title and fields (each id, key, label, value,
 * type; a checkbox list's value a list; the File Uploads add-on's value upload id => URL).
 * The hook: do_action( 'ninja_forms_after_submission', $form_data ).
 */

class Ninja_Forms {
	const VERSION = '3.8.16';
}

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'ninjaforms' ) ) {
			return;
		}
		$posted    = fb_standin_posted();
		$file      = fb_standin_upload( 'ninja-forms/4' );
		$form_data = array(
			'form_id'  => 4,
			'settings' => array( 'title' => 'Book a call' ),
			'fields'   => array(
				1 => array( 'id' => 1, 'key' => 'name', 'label' => 'Name', 'value' => $posted['name'] ?? '', 'type' => 'textbox' ),
				2 => array( 'id' => 2, 'key' => 'phone', 'label' => 'Phone', 'value' => $posted['phone'] ?? '', 'type' => 'phone' ),
				3 => array( 'id' => 3, 'key' => 'days', 'label' => 'Best days', 'value' => (array) ( $posted['days'] ?? array() ), 'type' => 'listcheckbox' ),
				4 => array( 'id' => 4, 'key' => 'file', 'label' => 'Document', 'value' => $file ? array( 17 => $file['url'] ) : array(), 'type' => 'file_upload' ),
				5 => array( 'id' => 5, 'key' => 'submit', 'label' => 'Send', 'value' => '', 'type' => 'submit' ),
			),
		);
		do_action( 'ninja_forms_after_submission', $form_data );
		fb_standin_done();
	},
	20
);
