<?php
/**
 * Stand-in for WPForms (test only; see standin-common.php). Shapes: WPFORMS_VERSION; $fields keyed
 * by field id, each with name (the label), value, id, type (a checkbox's choices one per line; a
 * file upload with value_raw, a list of files with name and value = URL in uploads/wpforms/);
 * $form_data with id and settings.form_title. The hook:
 * do_action( 'wpforms_process_complete', $fields, $entry, $form_data, $entry_id ).
 */

define( 'WPFORMS_VERSION', '1.9.1' );

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'wpforms' ) ) {
			return;
		}
		$posted = fb_standin_posted();
		$file   = fb_standin_upload( 'wpforms/12-' . md5( 'form' ) );
		$fields = array(
			0 => array( 'name' => 'Your name', 'value' => $posted['name'] ?? '', 'id' => 0, 'type' => 'name' ),
			1 => array( 'name' => 'Email address', 'value' => $posted['email'] ?? '', 'id' => 1, 'type' => 'email' ),
			2 => array( 'name' => 'Topics', 'value' => implode( "\n", (array) ( $posted['topics'] ?? array() ) ), 'id' => 2, 'type' => 'checkbox' ),
			3 => array(
				'name'      => 'Attachment',
				'value'     => $file ? $file['url'] : '',
				'value_raw' => $file ? array( array( 'name' => $file['name'], 'value' => $file['url'], 'file' => $file['name'] ) ) : '',
				'id'        => 3,
				'type'      => 'file-upload',
			),
		);
		$form_data = array(
			'id'       => 12,
			'settings' => array( 'form_title' => 'Newsletter signup' ),
		);
		do_action( 'wpforms_process_complete', $fields, array( 'fields' => $posted ), $form_data, 99 );
		fb_standin_done();
	},
	20
);
